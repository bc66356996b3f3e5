package wxfunnel.local;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import wxfunnel.cli.Main;

/**
 * A class of this classpath run in a JVM of its own, which can be killed apart from this one: a
 * broker, a registry or a processor that a test or a benchmark loses like a machine.
 */
public final class ChildJvm implements AutoCloseable {

  private final Process process;

  private ChildJvm(final Process process) {
    this.process = process;
  }

  /** Starts {@code java <jvmOptions> -cp <this classpath> <mainClass> <args>}; {@code redirect} sets where its output goes. */
  public static ChildJvm start(final List<String> jvmOptions, final String mainClass, final List<String> args,
      final UnaryOperator<ProcessBuilder> redirect) throws IOException {
    return new ChildJvm(redirect.apply(new ProcessBuilder(command(jvmOptions, mainClass, args))).start());
  }

  /** {@code wxfunnel <args>} in a JVM of its own. */
  public static ChildJvm wxfunnel(final List<String> jvmOptions, final List<String> args,
      final UnaryOperator<ProcessBuilder> redirect) throws IOException {
    return start(jvmOptions, Main.class.getName(), args, redirect);
  }

  /** The command line of {@link #start}, with this JVM's {@code java}. */
  public static List<String> command(final List<String> jvmOptions, final String mainClass, final List<String> args) {
    final List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(args);
    return command;
  }

  /** The command line of {@code wxfunnel <args>} in a JVM of its own. */
  public static List<String> wxfunnelCommand(final String... args) {
    return command(List.of(), Main.class.getName(), List.of(args));
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Its exit code, if it exits within {@code timeout}. */
  public OptionalInt exitWithin(final Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
  }

  /** SIGKILL: no shutdown path runs. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** SIGTERM, and waits until it has shut down. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor();
  }
}
