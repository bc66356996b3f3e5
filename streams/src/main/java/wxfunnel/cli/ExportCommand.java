package wxfunnel.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import wxfunnel.events.Ecosystem;
import wxfunnel.export.Exporter;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;

/** {@code wxfunnel export}: the committed outputs of a day range, as Parquet or CSV files. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = {
        "Write the funnel rows, content performance and conversions of a day range to <output>/<eco>/<table>.parquet (or .csv), "
            + "as a read_committed consumer finds them: the last value of each key, up to where the topics end when the export starts.",
        "Funnel rows count by cohort_day, content performance by day, conversions by the day of paid_at in the ecosystem's "
            + "reporting time zone (the one its funnel rows name; else Weixin Asia/Shanghai, WeChat UTC).",
        "The files hold exact, per-transaction data: they stay inside the ecosystem's wall."})
final class ExportCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ClientOptions client;

  @Option(names = "--ecosystem", paramLabel = "wechat|weixin|both", defaultValue = "both", converter = EcosystemChoice.class,
      description = "Ecosystem(s) to export, each into its own directory (default: ${DEFAULT-VALUE}).")
  Set<Ecosystem> ecosystems;

  @Option(names = "--from", paramLabel = "DATE", required = true, description = "First day of the range, included (e.g. 2026-11-11).")
  LocalDate from;

  @Option(names = "--to", paramLabel = "DATE", required = true, description = "Last day of the range, included (e.g. 2026-11-12).")
  LocalDate to;

  @Option(names = "--format", paramLabel = "parquet|csv", defaultValue = "parquet", converter = FormatChoice.class,
      description = "File format; CSV files start with a header line (default: ${DEFAULT-VALUE}).")
  Exporter.Format format;

  @Option(names = "--output", paramLabel = "DIR", required = true,
      description = "Directory to write into; files of an earlier export there are replaced.")
  Path output;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Export a demo's data: start the broker and registry the demo left in DIR (its --data-dir) and read from them, "
          + "instead of --bootstrap-servers and --schema-registry-url. Not while the demo runs on it.")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    if (to.isBefore(from)) {
      throw new ParameterException(spec.commandLine(), "--to " + to + " is before --from " + from + ": the range has no day");
    }
    if (Files.exists(output) && !Files.isDirectory(output)) {
      throw new ParameterException(spec.commandLine(), "--output " + output + " is a file, not a directory");
    }
    final Exporter.Request request = new Exporter.Request(ecosystems, from, to, format, output);
    if (dataDir == null) {
      new Exporter(client.kafkaConfig(), client.registry(), System.err).export(request);
      return 0;
    }
    final Path local = dataDir.resolve("local");
    if (!Files.isDirectory(local)) {
      throw new ParameterException(spec.commandLine(), "--data-dir " + dataDir + " holds no demo data (no " + local + ")");
    }
    try (LocalStack stack = LocalStack.start(local, 0, 0)) {
      new Exporter(new HashMap<>(stack.kafka().clientConfig()), new RegistryClient(stack.registryUrl()), System.err).export(request);
    }
    return 0;
  }

  /** {@code --format parquet|csv}, in any case. */
  static final class FormatChoice implements ITypeConverter<Exporter.Format> {
    @Override
    public Exporter.Format convert(final String value) {
      try {
        return Exporter.Format.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
