package wxfunnel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.Conversion;
import wxfunnel.events.FunnelRow;
import wxfunnel.registry.RegistryClient;
import wxfunnel.replay.ResetPoint;
import wxfunnel.replay.ShadowReplay;
import wxfunnel.runtime.CommittedView;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Ledger;
import wxfunnel.topics.Names;
import wxfunnel.topology.FunnelConfig;

/**
 * What a read_committed reader finds of one processor's work: the latest conversion, funnel row
 * and content row per key, every dead letter by its source coordinates with its reason (each exactly once),
 * and the ledger's count of every outcome (a record processed twice would count twice). Two runs
 * over the same inputs must find equal ones.
 */
public record ProcessorOutputs(Map<String, Conversion> conversions, Map<String, FunnelRow> funnel,
    Map<String, ContentPerformance> content, Map<String, String> deadLetters, Map<String, Long> ledger) {

  public static ProcessorOutputs read(final Map<String, Object> kafka, final String registryUrl, final Names names) {
    final CommittedView<Conversion> view = new CommittedView<>(names, new RegistryClient(registryUrl), conversion -> conversion);
    // The view counts dead letters by reason; here each must also be there exactly once, by its source.
    final Map<String, String> deadLetters = new TreeMap<>();
    for (final ConsumerRecord<String, byte[]> record : CommittedView.readAll(kafka, CommittedView.topics(names))) {
      view.apply(record);
      if (record.topic().equals(names.topic(EcoTopic.DLQ))) {
        final String source = header(record, DeadLetters.SOURCE_TOPIC) + "/" + header(record, DeadLetters.SOURCE_PARTITION)
            + "/" + header(record, DeadLetters.SOURCE_OFFSET);
        assertThat(deadLetters.put(source, header(record, DeadLetters.REASON))).as("dead-lettered twice: " + source).isNull();
      }
    }
    // A task's clocks and its count of persons in state depend on when its sweeps ran, not only on the inputs.
    final Map<String, Long> ledger = new TreeMap<>(view.ledger());
    ledger.keySet().removeIf(Ledger::isBookkeeping);
    return new ProcessorOutputs(new TreeMap<>(view.conversions()), new TreeMap<>(view.funnel()), new TreeMap<>(view.content()),
        deadLetters, ledger);
  }

  /** The outputs of an uninterrupted run over the same inputs: a shadow replay named {@code reference}. */
  public static ProcessorOutputs reference(final Map<String, Object> kafka, final String registryUrl, final Names production,
      final Path stateDir) throws Exception {
    final Names reference = new Names(production.ecosystem(), "reference");
    ShadowReplay.run(kafka, registryUrl, reference, FunnelConfig.defaults(production.ecosystem()), new ResetPoint.Earliest(),
        false, stateDir, new PrintStream(OutputStream.nullOutputStream()));
    return read(kafka, registryUrl, reference);
  }

  /** The first differences from {@code expected}, briefly, for a failure message. */
  public String differencesFrom(final ProcessorOutputs expected) {
    final StringBuilder text = new StringBuilder();
    differences("conversion", conversions, expected.conversions, text);
    differences("row", funnel, expected.funnel, text);
    differences("content row", content, expected.content, text);
    differences("dead letter", deadLetters, expected.deadLetters, text);
    differences("ledger count", ledger, expected.ledger, text);

    return text.toString();
  }

  private static <V> void differences(final String what, final Map<String, V> actual, final Map<String, V> expected,
      final StringBuilder text) {
    final Set<String> keys = new TreeSet<>(actual.keySet());
    keys.addAll(expected.keySet());
    keys.stream().filter(key -> !Objects.equals(actual.get(key), expected.get(key))).limit(3)
        .forEach(key -> text.append(String.format("%s %s: %s%n  expected %s%n", what, key, actual.get(key), expected.get(key))));
  }

  /** The business totals the metrics must show for these outputs. */
  public Map<String, Double> totals() {
    final Map<String, Double> totals = new TreeMap<>();
    totals.put("conversions", (double) conversions.size());
    totals.put("funnel.touched", funnel.values().stream().mapToDouble(FunnelRow::getTouched).sum());
    totals.put("funnel.coupon", funnel.values().stream().mapToDouble(FunnelRow::getCoupon).sum());
    totals.put("funnel.paid", funnel.values().stream().mapToDouble(FunnelRow::getPaid).sum());
    totals.put("dlq", (double) deadLetters.size());
    return totals;
  }

  private static String header(final ConsumerRecord<String, byte[]> record, final String name) {
    final String value = CommittedView.header(record, name, null);
    assertThat(value).as("header " + name + " of a dead letter").isNotNull();
    return value;
  }
}
