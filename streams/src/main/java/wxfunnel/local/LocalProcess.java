package wxfunnel.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code wxfunnel local} (broker and registry) as a child process, so that it can be killed and
 * started again, or kept apart from what is measured in this JVM.
 */
public final class LocalProcess implements AutoCloseable {

  private static final Pattern ADDRESSES = Pattern.compile("kafka=(\\S+) registry=(\\S+)");
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

  private final ChildJvm process;
  private final String bootstrapServers;
  private final String registryUrl;

  private LocalProcess(final ChildJvm process, final String bootstrapServers, final String registryUrl) {
    this.process = process;
    this.bootstrapServers = bootstrapServers;
    this.registryUrl = registryUrl;
  }

  /**
   * Starts it on {@code dataDir} and the given ports (0: any free one), its log appended to
   * {@code log}, and waits until it prints its addresses.
   */
  public static LocalProcess start(final Path dataDir, final int kafkaPort, final int registryPort, final Path log)
      throws IOException, InterruptedException {
    final Path stdout = Files.createTempFile(log.toAbsolutePath().getParent(), "local", ".out");
    final ChildJvm process = ChildJvm.wxfunnel(List.of(), List.of("local", "--kafka-port", String.valueOf(kafkaPort),
        "--registry-port", String.valueOf(registryPort), "--data-dir", dataDir.toString()),
        builder -> builder.redirectOutput(stdout.toFile()).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())));
    final long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (process.isAlive() && System.nanoTime() < deadline) {
      final Matcher addresses = ADDRESSES.matcher(Files.readString(stdout));
      if (addresses.find()) {
        return new LocalProcess(process, addresses.group(1), addresses.group(2));
      }
      Thread.sleep(100);
    }
    process.kill();
    throw new IllegalStateException("wxfunnel local did not start within " + READY_TIMEOUT.toSeconds() + " s; see " + log);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public String registryUrl() {
    return registryUrl;
  }

  /** SIGKILL: no shutdown path runs. */
  public void kill() throws InterruptedException {
    process.kill();
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }
}
