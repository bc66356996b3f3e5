package wxfunnel.cli;

import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar wxfunnel.jar <command>}. */
@Command(name = "wxfunnel", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Walled WeChat / Weixin marketing funnels and attribution on Kafka Streams.",
    subcommands = {DemoCommand.class, LocalCommand.class, TopicsCommand.class, RunCommand.class, GenerateCommand.class,
        ReplayCommand.class, InspectCommand.class, ExportCommand.class, BenchCommand.class})
public final class Main {

  /**
   * The JDK reads a socket into a heap buffer through a temporary direct buffer as large as the
   * read, and keeps one per thread for good: a Kafka client thread that once fetched 50 MiB holds
   * 50 MiB outside the heap (85 MiB in all, measured by {@code bench} at {@code -Xmx512m}). Buffers
   * above this size are freed after use instead. A value given on the command line wins.
   */
  static final String MAX_CACHED_BUFFER_PROPERTY = "jdk.nio.maxCachedBufferSize";
  static final String MAX_CACHED_BUFFER_BYTES = String.valueOf(1 << 20);

  public static void main(final String[] args) {
    // Before anything opens a channel: the JDK reads the property once.
    capCachedBuffers(System.getProperties());
    System.exit(run(args));
  }

  static void capCachedBuffers(final Properties system) {
    system.putIfAbsent(MAX_CACHED_BUFFER_PROPERTY, MAX_CACHED_BUFFER_BYTES);
  }

  /** Runs one command line and returns its exit code: 0 on success, 1 on failure, 2 on bad usage. */
  public static int run(final String... args) {
    final CommandLine cli = new CommandLine(new Main());
    final ConfigDefaults defaults;
    try {
      defaults = ConfigDefaults.load(args, System.getenv());
    } catch (IllegalArgumentException e) {
      cli.getErr().println("wxfunnel: " + e.getMessage());
      return 2;
    }
    return cli.setDefaultValueProvider(defaults)
        .setExecutionExceptionHandler((e, commandLine, parsed) -> {
          commandLine.getErr().println("wxfunnel " + commandLine.getCommandName() + ": " + oneLine(e));
          return 1;
        })
        .execute(args);
  }

  /** The first message in {@code e}'s causes, else its class: one line for a user to read. */
  static String oneLine(final Throwable e) {
    Throwable cause = e;
    while (cause.getMessage() == null && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      final String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"wxfunnel " + (version == null ? "dev" : version)};
    }
  }
}
