package wxfunnel.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import wxfunnel.cli.Main;

/** One {@code wxfunnel} command line, run in this JVM: its exit code and what it printed. */
public record CliRun(int exitCode, String out, String err) {

  /** Runs {@code args} with stdout and stderr captured (one at a time: they are the JVM's). */
  public static synchronized CliRun of(final String... args) {
    final PrintStream out = System.out;
    final PrintStream err = System.err;
    final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
      final int exitCode = Main.run(args);
      return new CliRun(exitCode, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
