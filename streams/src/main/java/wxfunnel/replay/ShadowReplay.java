package wxfunnel.replay;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topology.FunnelConfig;

/**
 * Reprocesses an ecosystem's inputs under other settings into outputs of its own ({@code
 * <eco>.shadow-<name>.*}), with its own application id, up to where the inputs end when it
 * starts; the production processor and its outputs are not touched.
 */
public final class ShadowReplay {

  private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);
  private static final long PROGRESS_EVERY_MS = 2000;
  private static final long POLL_MS = 250;
  private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(1);

  private ShadowReplay() {}

  /** What a shadow replay did. */
  public record Result(long inputRecords, Duration took) {}

  public static Result run(final Map<String, Object> kafka, final String registryUrl, final Names shadow,
      final FunnelConfig config, final ResetPoint point, final boolean force, final Path stateDir, final PrintStream out)
      throws Exception {
    final long began = System.nanoTime();
    try (TopicAdmin topics = new TopicAdmin(kafka)) {
      topics.recreateShadowOutputs(shadow.ecosystem(), shadow.shadow()).forEach(name -> out.println("Created empty " + name));
    }
    Replay.reset(kafka, shadow, point, false, force, stateDir, out);
    try (Admin admin = Admin.create(kafka)) {
      final Map<TopicPartition, Long> targets = ProcessorLag.inputEnds(admin, shadow);
      final long total = ProcessorLag.remaining(admin, shadow, targets).inputs();
      try (FunnelProcessor processor = FunnelProcessor.start(shadow, config, kafka, registryUrl, stateDir)) {
        processor.awaitRunning(STARTUP_TIMEOUT);
        ProcessorLag.Remaining left = new ProcessorLag.Remaining(total, 0);
        long lastReport = 0;
        while (left.total() > 0) {
          if (processor.streams().state() == KafkaStreams.State.ERROR) {
            throw new IllegalStateException(shadow.applicationId() + " stopped with an error; see the log above");
          }
          if (System.currentTimeMillis() - lastReport >= PROGRESS_EVERY_MS) {
            System.err.printf("%s: %,d of %,d input records processed, %,d in between%n", shadow.applicationId(),
                total - left.inputs(), total, left.internal());
            lastReport = System.currentTimeMillis();
          }
          Thread.sleep(POLL_MS);
          left = ProcessorLag.remaining(admin, shadow, targets);
        }
        // What it summed or heard last is still to be told to its funnel rows.
        if (!ProcessorLag.settles(admin, shadow, targets, SETTLE_TIMEOUT)) {
          out.println(shadow.applicationId() + " did not settle within " + SETTLE_TIMEOUT.toSeconds() + " s (are its inputs"
              + " still growing?): every input record up to the replay's start is processed, but its last funnel changes may"
              + " not be in its rows yet");
        }
      }
      return new Result(total, Duration.ofNanos(System.nanoTime() - began));
    }
  }
}
