package wxfunnel.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * The warnings and errors this JVM logs (brokers, clients and processors alike) while it is open,
 * each as its message followed by its exception's, for assertions on what a run printed.
 */
public final class LogWatch extends AbstractAppender implements AutoCloseable {

  private final List<String> lines = new CopyOnWriteArrayList<>();

  private LogWatch() {
    super("wxfunnel-log-watch", null, null, true, Property.EMPTY_ARRAY);
  }

  /** Starts collecting every WARN or ERROR line. */
  public static LogWatch open() {
    final LogWatch watch = new LogWatch();
    watch.start();
    final LoggerContext context = (LoggerContext) LogManager.getContext(false);
    context.getConfiguration().getRootLogger().addAppender(watch, Level.WARN, null);
    context.updateLoggers();
    return watch;
  }

  @Override
  public void append(final LogEvent event) {
    final Throwable thrown = event.getThrown();
    lines.add(event.getLevel() + " " + event.getLoggerName() + " - " + event.getMessage().getFormattedMessage()
        + (thrown == null ? "" : " " + thrown));
  }

  /** The lines seen so far that {@code pattern} finds something in. */
  public List<String> matching(final Pattern pattern) {
    return lines.stream().filter(line -> pattern.matcher(line).find()).toList();
  }

  @Override
  public void close() {
    final LoggerContext context = (LoggerContext) LogManager.getContext(false);
    context.getConfiguration().getRootLogger().removeAppender(getName());
    context.updateLoggers();
    stop();
  }
}
