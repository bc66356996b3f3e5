package wxfunnel.cli;

import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import wxfunnel.inspect.TopicInspector;
import wxfunnel.inspect.TopicInspector.Start;
import wxfunnel.registry.RegistryClient;

/** {@code wxfunnel inspect}: a topic's records as JSON lines. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = {"Print a topic's committed records as JSON lines, values decoded through the schema registry.",
        "DLQ records come with their reason headers and raw bytes (base64). From the beginning or a time it stops at "
            + "the topic's end; without either it waits for new records until --limit or Ctrl-C."})
final class InspectCommand implements Callable<Integer> {

  @Mixin
  ClientOptions client;

  @Option(names = "--topic", paramLabel = "TOPIC", required = true, description = "The topic: an input, output or DLQ topic of an ecosystem (`topics describe` lists them).")
  String topic;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  From from;

  static final class From {
    @Option(names = "--from-beginning", required = true, description = "From the first record still on the broker.")
    boolean beginning;

    @Option(names = "--from-datetime", required = true, paramLabel = "INSTANT",
        description = "From the first record at or after this time, ISO-8601 (e.g. 2026-11-11T00:00:00Z).")
    Instant datetime;
  }

  @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Stop after N records (default: no limit).")
  long limit;

  @Option(names = "--key", paramLabel = "KEY", description = "Only records with this key.")
  String key;

  @Override
  public Integer call() {
    final Start start = from == null ? new Start.End() : from.beginning ? new Start.Beginning() : new Start.At(from.datetime);
    // Nothing is committed, so Ctrl-C may simply end the JVM.
    new TopicInspector(client.kafkaConfig(), new RegistryClient(client.schemaRegistryUrl))
        .print(new TopicInspector.Query(topic, start, limit, key), System.out, () -> false);
    return 0;
  }
}
