package wxfunnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.local.ChildJvm;
import wxfunnel.testing.Ports;

/** {@code wxfunnel demo} as the README's first command runs it: the screen shows the view, the library logs go to a file. */
class DemoCommandTest {

  /** The start of a log line, as the console layout writes one. */
  private static final Pattern LOG_LINE = Pattern.compile("^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} +(TRACE|DEBUG|INFO|WARN|ERROR) ");
  private static final Pattern LOGS = Pattern.compile("logs: (\\d+) warnings? in (\\S+)");

  @TempDir
  Path dir;

  @Test
  void theScreenShowsTheViewAndACountOfWarningsAndNoLogLine() throws Exception {
    final Path stdout = dir.resolve("stdout");
    final Path stderr = dir.resolve("stderr");
    final Path data = dir.resolve("data");
    final Process demo = new ProcessBuilder(ChildJvm.wxfunnelCommand("demo", "--duration", "20s",
        "--metrics-port", String.valueOf(Ports.free()), "--data-dir", data.toString()))
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    try {
      assertThat(demo.waitFor(3, TimeUnit.MINUTES)).as("the demo ended").isTrue();
    } finally {
      demo.destroyForcibly();
    }

    final String screen = Files.readString(stdout);
    assertThat(demo.exitValue()).as(screen).isZero();
    assertThat(screen.lines().filter(line -> LOG_LINE.matcher(line).find())).isEmpty();
    assertThat(Files.readString(stderr).lines().filter(line -> LOG_LINE.matcher(line).find())).isEmpty();
    assertThat(screen).contains("wxfunnel demo ", "summary of the committed outputs", "WEIXIN", "WECHAT");
    final Matcher logs = LOGS.matcher(screen);
    assertThat(logs.find()).as(screen).isTrue();
    assertThat(Path.of(logs.group(2))).isEqualTo(data.resolve("demo.log"));
    assertThat(Files.readString(data.resolve("demo.log"))).contains("WEIXIN processor: REBALANCING -> RUNNING",
        "WECHAT processor: REBALANCING -> RUNNING");
  }
}
