package wxfunnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import wxfunnel.events.Ecosystem;
import wxfunnel.testing.CliRun;
import wxfunnel.testing.SharedKafka;
import wxfunnel.topics.EcoTopic;

class CliTest {

  @TempDir
  Path dir;

  @Test
  void topicsCreateRunTwiceIsANoOp() {
    final String bootstrap = SharedKafka.get().bootstrapServers();

    final CliRun first = CliRun.of("topics", "create", "--ecosystem", "weixin", "--bootstrap-servers", bootstrap);
    final CliRun second = CliRun.of("topics", "create", "--ecosystem", "weixin", "--bootstrap-servers", bootstrap);
    final CliRun describe = CliRun.of("topics", "describe", "--ecosystem", "weixin", "--bootstrap-servers", bootstrap);

    assertThat(first.exitCode()).isZero();
    assertThat(first.out()).contains("created " + EcoTopic.READS.topic(Ecosystem.WEIXIN)).endsWith("9 created, 0 already existed\n");
    assertThat(second.exitCode()).isZero();
    assertThat(second.out()).isEqualTo("0 created, 9 already existed\n");
    assertThat(describe.out()).contains(String.format("%-35s 6        1 compact", EcoTopic.CONVERSIONS.topic(Ecosystem.WEIXIN)))
        .contains(String.format("%-35s 6        1 delete", EcoTopic.DLQ.topic(Ecosystem.WEIXIN)))
        .doesNotContain(EcoTopic.prefix(Ecosystem.WECHAT) + ".");
  }

  @Test
  void flagsComeFromTheCommandLineThenTheEnvironmentThenTheConfigFile() throws Exception {
    final Path file = dir.resolve("wxfunnel.properties");
    final Properties properties = new Properties();
    properties.setProperty("bootstrap-servers", "file:9092");
    properties.setProperty("schema-registry-url", "http://file:8081");
    properties.setProperty("kafka.security.protocol", "SASL_SSL");
    try (var out = Files.newBufferedWriter(file)) {
      properties.store(out, null);
    }
    final String[] args = {"topics", "describe", "--config", file.toString(), "--ecosystem", "wechat"};
    final ConfigDefaults defaults = ConfigDefaults.load(args, Map.of("WXFUNNEL_BOOTSTRAP_SERVERS", "env:9092"));
    final Main main = new Main();
    final CommandLine cli = new CommandLine(main).setDefaultValueProvider(defaults);

    final TopicsCommand topics = cli.parseArgs(args).subcommand().commandSpec().commandLine().getCommand();

    assertThat(topics.client.bootstrapServers).isEqualTo("env:9092");
    assertThat(topics.client.schemaRegistryUrl).isEqualTo("http://file:8081");
    assertThat(topics.ecosystems).isEqualTo(EnumSet.of(Ecosystem.WECHAT));
    assertThat(topics.client.kafkaConfig())
        .containsEntry("bootstrap.servers", "env:9092")
        .containsEntry("security.protocol", "SASL_SSL");

    final TopicsCommand overridden = new CommandLine(new Main()).setDefaultValueProvider(defaults)
        .parseArgs("topics", "describe", "--bootstrap-servers", "flag:9092").subcommand().commandSpec().commandLine().getCommand();
    assertThat(overridden.client.bootstrapServers).isEqualTo("flag:9092");
  }

  @Test
  void errorsAreOneLineAndANonZeroExit() {
    final CliRun unknownEcosystem = CliRun.of("topics", "create", "--ecosystem", "mars");
    final CliRun missingConfig = CliRun.of("topics", "describe", "--config", dir.resolve("missing.properties").toString());

    assertThat(unknownEcosystem.exitCode()).isEqualTo(2);
    assertThat(unknownEcosystem.err()).startsWith("Invalid value for option '--ecosystem'")
        .contains("'mars' is not an ecosystem: use wechat, weixin or both");
    assertThat(missingConfig.exitCode()).isEqualTo(2);
    assertThat(missingConfig.err()).startsWith("wxfunnel: cannot read the config file").hasLineCount(1);
  }

  @Test
  void noCellUnderThreePersonsMayLeave() {
    for (final String command : List.of("demo", "run", "replay")) {
      final CliRun tooFew = command.equals("demo") ? CliRun.of(command, "--min-cell-users", "2")
          : CliRun.of(command, "--ecosystem", "weixin", "--min-cell-users", "2");
      assertThat(tooFew.exitCode()).as(command).isEqualTo(2);
      assertThat(tooFew.err()).as(command).startsWith("--min-cell-users must be at least 3, not 2");
    }
  }
}
