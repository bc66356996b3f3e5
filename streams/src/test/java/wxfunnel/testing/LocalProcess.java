package wxfunnel.testing;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import wxfunnel.cli.Main;

/** {@code wxfunnel local} (broker and registry) as a child process on fixed ports, so it can be killed and started again. */
public final class LocalProcess implements AutoCloseable {

  private static final Pattern ADDRESSES = Pattern.compile("kafka=(\\S+) registry=(\\S+)");

  private final Process process;

  private LocalProcess(final Process process) {
    this.process = process;
  }

  /** Starts it on {@code dataDir} and waits until it prints its addresses. */
  public static LocalProcess start(final Path dataDir, final int kafkaPort, final int registryPort, final Path log) throws Exception {
    final Path stdout = Files.createTempFile(log.getParent(), "local", ".out");
    final Process process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "local", "--kafka-port", String.valueOf(kafkaPort),
        "--registry-port", String.valueOf(registryPort), "--data-dir", dataDir.toString()))
        .redirectOutput(stdout.toFile())
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    await().atMost(Duration.ofMinutes(2)).until(() -> !process.isAlive() || ADDRESSES.matcher(Files.readString(stdout)).find());
    if (!process.isAlive()) {
      throw new IllegalStateException("wxfunnel local exited with " + process.exitValue() + "; see " + log);
    }
    return new LocalProcess(process);
  }

  /** SIGKILL: no shutdown path runs. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }
}
