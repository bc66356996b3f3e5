package wxfunnel.demo;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A local Prometheus scraping the demo, with the project's alert rules, when the {@code
 * prometheus} binary is on PATH (Debian: {@code apt-get install prometheus}).
 */
final class LocalPrometheus implements AutoCloseable {

  static final int PORT = 9090;
  private static final Path RULES = Path.of("prometheus", "rules");

  private final Process process;

  private LocalPrometheus(final Process process) {
    this.process = process;
  }

  /** Starts Prometheus, or says why not and returns null. */
  static LocalPrometheus start(final Path dataDir, final int metricsPort, final PrintStream out) throws IOException {
    final Path binary = onPath("prometheus");
    if (binary == null) {
      out.println("prometheus is not on PATH, so no local Prometheus (Debian: apt-get install prometheus)");
      return null;
    }
    final Path dir = Files.createDirectories(dataDir.resolve("prometheus"));
    final StringBuilder config = new StringBuilder()
        .append("global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\n")
        .append("scrape_configs:\n  - job_name: wxfunnel\n    static_configs:\n      - targets: ['127.0.0.1:")
        .append(metricsPort).append("']\n");
    if (Files.isDirectory(RULES)) {
      config.append("rule_files:\n  - '").append(RULES.toAbsolutePath()).append("/*.yml'\n");
    }
    final Path file = Files.writeString(dir.resolve("prometheus.yml"), config);
    final Process process = new ProcessBuilder(List.of(binary.toString(), "--config.file=" + file,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + PORT))
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    out.println("prometheus=http://127.0.0.1:" + PORT + " (log: " + dir.resolve("prometheus.log") + ")");
    return new LocalPrometheus(process);
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
