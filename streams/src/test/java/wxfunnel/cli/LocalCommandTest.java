package wxfunnel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.local.ChildJvm;
import wxfunnel.testing.Http;

/** {@code wxfunnel local} as users run it: a child process, reached over the network, stopped by SIGTERM. */
class LocalCommandTest {

  private static final Pattern ADDRESSES = Pattern.compile("kafka=(\\S+) registry=(\\S+)");
  private static final int SIGTERM_EXIT = 128 + 15;

  @TempDir
  Path dir;

  @Test
  void printsItsAddressesServesThemAndStopsCleanlyOnSigterm() throws Exception {
    final Path stdout = dir.resolve("stdout");
    final Process local = new ProcessBuilder(ChildJvm.wxfunnelCommand("local", "--kafka-port", "0", "--registry-port", "0",
        "--data-dir", dir.resolve("data").toString()))
        .redirectOutput(stdout.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      // 1. It prints where it serves, once both are up.
      final Matcher addresses = await().atMost(Duration.ofMinutes(2))
          .until(() -> ADDRESSES.matcher(Files.readString(stdout)), Matcher::find);

      // 2. Both answer.
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", addresses.group(1)))) {
        assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
      }
      assertThat(Http.call("GET", addresses.group(2) + "/subjects", null).body()).isEmpty();

      // 3. SIGTERM stops it through its shutdown path.
      local.destroy();
      assertThat(local.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s of SIGTERM").isTrue();
      assertThat(local.exitValue()).isEqualTo(SIGTERM_EXIT);
      assertThat(Files.readAllLines(stdout)).containsExactly(addresses.group(), "stopping");
    } finally {
      local.destroyForcibly();
    }
  }
}
