package wxfunnel.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import wxfunnel.demo.Demo;
import wxfunnel.demo.LocalPrometheus;
import wxfunnel.demo.LogFile;

/** {@code wxfunnel demo}: the main job, with nothing installed. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run everything locally: a Kafka broker and schema registry, both walled processors, simulated traffic, "
        + "/metrics and /health, and a live view of WeChat and Weixin side by side. Ctrl-C stops it cleanly.")
final class DemoCommand implements Callable<Integer> {

  @Mixin
  FunnelOptions funnel;

  @Mixin
  ProducerOptions producers;

  @Mixin
  EgressOptions egress;

  @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Stop after this long and print a summary (default: until Ctrl-C).")
  Duration duration;

  @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "400",
      description = "Simulated records per second, roughly (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the simulated traffic (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--inject-drop-at", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "After this long, cut the conversion of Weixin's double11-2026 campaign sharply, so the alert can fire.")
  Duration injectDropAt;

  @Option(names = "--backfill", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "1m",
      description = "Traffic from before the start, sent at once so the view fills quickly (default: ${DEFAULT-VALUE}).")
  Duration backfill;

  @Option(names = "--prometheus", description = "Also start a local Prometheus with the project's rules, if prometheus is on PATH.")
  boolean prometheus;

  @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9464",
      description = "Port of /metrics and /health, 0 for any free port (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where the broker and state live (default: a new temporary directory).")
  Path dataDir;

  @Option(names = "--summary-file", paramLabel = "FILE", description = "Also write the final summary there, as JSON.")
  Path summaryFile;

  @Override
  public Integer call() throws Exception {
    final int minCellUsers = egress.minCellUsers();
    final Path dir = dataDir != null ? dataDir : Files.createTempDirectory("wxfunnel-demo");
    final AtomicBoolean stop = new AtomicBoolean();
    final CountDownLatch finished = new CountDownLatch(1);
    final Thread hook = new Thread(() -> {
      stop.set(true);
      try {
        finished.await(2, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "wxfunnel-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try (LogFile logs = LogFile.redirect(Files.createDirectories(dir).resolve("demo.log"))) {
      Demo.run(new Demo.Options(duration, rate, seed, injectDropAt, prometheus ? LocalPrometheus.Settings.defaults() : null,
          metricsPort, dir, backfill, summaryFile, System.out, funnel::config, producers, logs, minCellUsers), stop);
      return 0;
    } finally {
      finished.countDown();
      if (!stop.get()) {
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    }
  }
}
