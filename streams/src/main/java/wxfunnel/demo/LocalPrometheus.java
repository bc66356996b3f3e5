package wxfunnel.demo;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A local Prometheus scraping the demo, with the project's alert rules, when the {@code
 * prometheus} binary is on PATH (Debian: {@code apt-get install prometheus}).
 */
public final class LocalPrometheus implements AutoCloseable {

  /**
   * Where it listens, which rules it loads, and how often it scrapes and evaluates.
   *
   * @param rules a folder of rule files, loaded when it exists
   */
  public record Settings(int port, Path rules, Duration interval) {

    /** Port 9090, the rules of the working directory's prometheus/rules, every 5 s. */
    public static Settings defaults() {
      return new Settings(9090, Path.of("prometheus", "rules"), Duration.ofSeconds(5));
    }
  }

  private final Process process;
  private final int port;

  private LocalPrometheus(final Process process, final int port) {
    this.process = process;
    this.port = port;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Starts Prometheus scraping 127.0.0.1:{@code metricsPort}, or says why not and returns null. */
  static LocalPrometheus start(final Settings settings, final Path dataDir, final int metricsPort, final PrintStream out)
      throws IOException {
    return start(settings, dataDir, List.of(metricsPort), out);
  }

  /** Starts Prometheus scraping each of 127.0.0.1:{@code metricsPorts} as job wxfunnel, or says why not and returns null. */
  public static LocalPrometheus start(final Settings settings, final Path dataDir, final List<Integer> metricsPorts,
      final PrintStream out) throws IOException {
    final Path binary = onPath("prometheus");
    if (binary == null) {
      out.println("prometheus is not on PATH, so no local Prometheus (Debian: apt-get install prometheus)");
      return null;
    }
    final Path dir = Files.createDirectories(dataDir.resolve("prometheus"));
    final long seconds = settings.interval().toSeconds();
    final StringBuilder config = new StringBuilder()
        .append("global:\n  scrape_interval: ").append(seconds).append("s\n  evaluation_interval: ").append(seconds).append("s\n")
        .append("scrape_configs:\n  - job_name: wxfunnel\n    static_configs:\n      - targets: [")
        .append(metricsPorts.stream().map(port -> "'127.0.0.1:" + port + "'").collect(Collectors.joining(", "))).append("]\n");
    if (Files.isDirectory(settings.rules())) {
      config.append("rule_files:\n  - '").append(settings.rules().toAbsolutePath()).append("/*.yml'\n");
    }
    final Path file = Files.writeString(dir.resolve("prometheus.yml"), config);
    final Process process = new ProcessBuilder(List.of(binary.toString(), "--config.file=" + file,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + settings.port()))
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    out.println("prometheus=http://127.0.0.1:" + settings.port() + " (log: " + dir.resolve("prometheus.log") + ")");
    return new LocalPrometheus(process, settings.port());
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }

  private static Path onPath(final String name) {
    final String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    return Stream.of(path.split(File.pathSeparator)).map(dir -> Path.of(dir, name))
        .filter(Files::isExecutable).findFirst().orElse(null);
  }
}
