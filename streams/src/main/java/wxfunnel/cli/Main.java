package wxfunnel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar wxfunnel.jar <command>}. */
@Command(name = "wxfunnel", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Walled WeChat / Weixin marketing funnels and attribution on Kafka Streams.",
    subcommands = {DemoCommand.class, LocalCommand.class, TopicsCommand.class, RunCommand.class, GenerateCommand.class,
        ReplayCommand.class, InspectCommand.class, BenchCommand.class})
public final class Main {

  public static void main(final String[] args) {
    System.exit(run(args));
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
