package wxfunnel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import wxfunnel.cli.Main;
import wxfunnel.events.Ecosystem;

/** {@code wxfunnel run} for one ecosystem as a child process, so it can be killed with SIGKILL like a lost machine. */
public final class ProcessorChild implements AutoCloseable {

  private final Process process;

  private ProcessorChild(final Process process) {
    this.process = process;
  }

  /**
   * Starts it against {@code bootstrapServers} and {@code registryUrl}, with its state under
   * {@code stateDir}, /metrics on {@code metricsPort}, extra Kafka settings from {@code kafkaSettings}
   * (lines of {@code kafka.name=value}), appending its output to {@code log}.
   */
  public static ProcessorChild start(final Ecosystem eco, final String bootstrapServers, final String registryUrl,
      final Path stateDir, final int metricsPort, final String kafkaSettings, final Path log) throws Exception {
    final Path config = Files.writeString(Files.createTempFile(log.getParent(), "processor", ".properties"), kafkaSettings);
    return run(List.of("--ecosystem", eco.name().toLowerCase(), "--bootstrap-servers", bootstrapServers,
        "--schema-registry-url", registryUrl, "--state-dir", stateDir.toString(), "--metrics-port", String.valueOf(metricsPort),
        "--metrics-host", "127.0.0.1", "--config", config.toString()), log);
  }

  /** {@code wxfunnel run} with the options given, appending its output to {@code log}. */
  public static ProcessorChild run(final List<String> options, final Path log) throws IOException {
    final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx768m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run"));
    command.addAll(options);
    return new ProcessorChild(new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start());
  }

  /** Its exit code, if it exits within {@code timeout}. */
  public OptionalInt exitWithin(final Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
  }

  /** SIGKILL: no shutdown path runs, the open transaction is left to time out or be fenced. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }
}
