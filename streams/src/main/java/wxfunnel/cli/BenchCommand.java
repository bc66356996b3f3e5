package wxfunnel.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import wxfunnel.bench.Bench;
import wxfunnel.topology.StreamsSettings;

/** {@code wxfunnel bench}: throughput of the walled pipeline against a pass-through app, and its latency. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Preload generated events into a local broker, then measure on them a pass-through Streams app and the"
        + " walled pipeline (both exactly once): with the inputs keyed by person, then, on a fresh broker, by app openid;"
        + " then the highest live rate the pipeline holds, and its event-to-output latency at half that rate.",
        "Prints a table; writes the figures as JSON."})
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--events", paramLabel = "N", defaultValue = "2000000",
      description = "Events to preload, both ecosystems (default: ${DEFAULT-VALUE}).")
  long events;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "6", description = "Partitions per topic (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
      description = "Stream threads per Streams app (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--instances", paramLabel = "N", defaultValue = "1",
      description = "Streams apps per ecosystem, each with its own state, in this JVM (default: ${DEFAULT-VALUE}).")
  int instances;

  @Option(names = "--commit-interval", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Commit interval of both apps (default: the processors' own, 200ms).")
  Duration commitInterval = Duration.ofMillis(StreamsSettings.COMMIT_INTERVAL_MS);

  @Option(names = "--runs", paramLabel = "N", defaultValue = "3",
      description = "Runs of each phase, alternating which goes first; the median is reported (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--live-hold", paramLabel = "DURATION", defaultValue = "3m", converter = DurationConverter.class,
      description = "How long each step of the live rate must hold (default: ${DEFAULT-VALUE}).")
  Duration liveHold;

  @Option(names = "--live-steps", paramLabel = "N", defaultValue = "8",
      description = "Steps of the live rate at most, from half of the pipeline's rate up by 25%% each; 0 skips it"
          + " (default: ${DEFAULT-VALUE}).")
  int liveSteps;

  @Option(names = "--latency-duration", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
      description = "How long live traffic plays for the latency measurement (default: ${DEFAULT-VALUE}).")
  Duration latency;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the generated events (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Broker data and state (default: a new temporary directory, deleted afterwards).")
  Path dataDir;

  @Option(names = "--json", paramLabel = "FILE", defaultValue = "bench-result.json",
      description = "Where to write the figures (default: ${DEFAULT-VALUE}).")
  Path json;

  @Override
  public Integer call() throws Exception {
    if (events <= 0 || partitions <= 0 || threads <= 0 || instances <= 0 || runs <= 0 || liveSteps < 0
        || !positive(liveHold) || !positive(commitInterval)) {
      System.err.println("--events, --partitions, --threads, --instances, --runs, --live-hold and --commit-interval must be positive,"
          + " --live-steps not negative");
      return 2;
    }
    final boolean temporary = dataDir == null;
    final Path dir = temporary ? Files.createTempDirectory("wxfunnel-bench") : dataDir;
    try {
      Bench.run(new Bench.Options(events, partitions, threads, instances, commitInterval, runs, liveHold, liveSteps, latency, seed, dir, json,
          System.out, System.err));
      return 0;
    } finally {
      if (temporary) {
        Utils.delete(dir.toFile());
      }
    }
  }

  private static boolean positive(final Duration duration) {
    return !duration.isZero() && !duration.isNegative();
  }
}
