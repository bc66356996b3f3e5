package wxfunnel.demo;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Sends this process's log lines (the broker's, the clients', the processors') to a file instead
 * of the screen while the demo draws its view, and counts the warnings and errors among them.
 */
public final class LogFile implements AutoCloseable {

  private static final String CONSOLE = "stderr";

  private final Path path;
  private final LoggerContext context;
  private final FileAppender file;
  private final Counter counter;
  private final Appender console;

  private LogFile(final Path path, final LoggerContext context, final FileAppender file, final Counter counter,
      final Appender console) {
    this.path = path;
    this.context = context;
    this.file = file;
    this.counter = counter;
    this.console = console;
  }

  /** From now on, every log line goes to {@code path}, appended, and none to the screen. */
  public static LogFile redirect(final Path path) {
    final LoggerContext context = (LoggerContext) LogManager.getContext(false);
    final Configuration config = context.getConfiguration();
    final FileAppender file = FileAppender.newBuilder().setName("wxfunnel-log-file").withFileName(path.toString())
        .withAppend(true).setConfiguration(config)
        .setLayout(PatternLayout.newBuilder().withConfiguration(config)
            .withPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%t] %c{1} - %msg%n").build())
        .build();
    file.start();
    final Counter counter = new Counter();
    counter.start();
    final LoggerConfig root = config.getRootLogger();
    final Appender console = config.getAppender(CONSOLE);
    root.removeAppender(CONSOLE);
    root.addAppender(file, null, null);
    root.addAppender(counter, Level.WARN, null);
    context.updateLoggers();
    return new LogFile(path, context, file, counter, console);
  }

  public Path path() {
    return path;
  }

  /** Warnings and errors logged since the redirect. */
  public long warnings() {
    return counter.count.get();
  }

  /** One line for the screen: how many warnings, and where to read them. */
  public String summary() {
    return "logs: " + warnings() + (warnings() == 1 ? " warning" : " warnings") + " in " + path;
  }

  /** Log lines go to the screen again. */
  @Override
  public void close() {
    final LoggerConfig root = context.getConfiguration().getRootLogger();
    root.removeAppender(file.getName());
    root.removeAppender(counter.getName());
    if (console != null) {
      root.addAppender(console, null, null);
    }
    context.updateLoggers();
    file.stop();
    counter.stop();
  }

  /** Counts the events it receives. */
  private static final class Counter extends AbstractAppender {

    private final AtomicLong count = new AtomicLong();

    Counter() {
      super("wxfunnel-log-counter", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(final LogEvent event) {
      count.incrementAndGet();
    }
  }
}
