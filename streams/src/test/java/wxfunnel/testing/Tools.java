package wxfunnel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** External tools the tests run for real (promtool, prometheus, docker-compose), and the repository they check. */
public final class Tools {

  /** One finished run of a tool. */
  public record Run(int exitCode, String output) {}

  private Tools() {}

  public static Path repo() {
    return Path.of(System.getProperty("wxfunnel.repo.dir", "..")).toAbsolutePath().normalize();
  }

  /**
   * The tool on PATH. Without it the test is skipped with the reason, except under CI, where
   * {@code .ci/run} installs it and its absence is a failure.
   */
  public static Path require(final String tool, final String installHint) {
    final Path found = onPath(tool);
    final String reason = tool + " is not on PATH (" + installHint + ")";
    if (System.getenv("CI") != null) {
      assertThat(found).as(reason).isNotNull();
    }
    Assumptions.assumeTrue(found != null, reason);
    return found;
  }

  public static Run run(final Path directory, final String... command) throws IOException, InterruptedException {
    final Process process = new ProcessBuilder(List.of(command)).directory(directory.toFile()).redirectErrorStream(true).start();
    final String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("%s finished", List.of(command)).isTrue();
    return new Run(process.exitValue(), output);
  }

  private static Path onPath(final String tool) {
    final String path = System.getenv("PATH");
    return path == null ? null : Stream.of(path.split(File.pathSeparator)).map(dir -> Path.of(dir, tool))
        .filter(Files::isExecutable).findFirst().orElse(null);
  }
}
