package wxfunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.Ecosystem;
import wxfunnel.generator.Generated;
import wxfunnel.generator.Generator;
import wxfunnel.testing.CliRun;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;

/**
 * {@code wxfunnel bench} end to end on a small backlog: both apps must work through exactly the
 * preloaded inputs, and the latency phase must see conversions come out. How fast is not asserted
 * here: that is what the command reports.
 */
class BenchCommandTest {

  private static final int EVENTS = 20_000;

  @TempDir
  Path dir;

  @Test
  void measuresBothAppsOnExactlyThePreloadedInputs() throws Exception {
    final Path json = dir.resolve("bench.json");
    final CliRun run = CliRun.of("bench", "--events", String.valueOf(EVENTS), "--partitions", "2", "--runs", "2", "--live-hold", "4s", "--live-steps", "2",
        "--latency-duration", "5s",
        "--data-dir", dir.resolve("data").toString(), "--json", json.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();

    final JsonNode result = new ObjectMapper().readTree(json.toFile());
    final Map<String, Long> inputs = inputsOf(new Generator(Bench.preload(42, EVENTS, Instant.now())));
    final long events = inputs.values().stream().mapToLong(Long::longValue).sum();
    assertThat(result.get("events").asLong()).isEqualTo(events);
    assertThat(result.get("commitIntervalMs").asLong()).isEqualTo(200);
    for (final String keyBy : new String[] {"byPerson", "byAppOpenid"}) {
      assertBacklog(result.get(keyBy), inputs, events);
    }
    assertThat(result.get("byPerson").get("keyBy").asText()).isEqualTo("person");
    assertThat(result.get("byAppOpenid").get("keyBy").asText()).isEqualTo("app-openid");
    // Keyed by app openid, about half of Weixin's touches (4 in 5 of its 87%) are on another partition than their
    // person's, of 2. Keyed by person, they take the fast path: the by-person topic carries the clocks, a few a second.
    final String byPersonTopic = new Names(Ecosystem.WEIXIN, "bench-2").repartition(Names.BY_PERSON);
    final long rekeyed = result.get("byAppOpenid").get("pipelineWritesByTopic").get(byPersonTopic).asLong();
    assertThat(rekeyed).isGreaterThan(events / 4);
    assertThat(result.get("byPerson").get("pipelineWritesByTopic").get(byPersonTopic).asLong()).isLessThan(rekeyed / 10);

    final JsonNode openid = result.get("byAppOpenid");
    // The live rate: from half of (b)'s median, up by 25% after a step held, halved after one not held while none has.
    final JsonNode steps = result.get("live").get("steps");
    assertThat(steps.size()).isBetween(1, 2);
    double held = 0;
    double asked = 0;
    for (int i = 0; i < steps.size(); i++) {
      final JsonNode step = steps.get(i);
      final double rate = i == 0 ? openid.get("pipeline").get("medianEventsPerSecond").asDouble() / 2
          : steps.get(i - 1).get("rate").asDouble() * (steps.get(i - 1).get("held").asBoolean() ? 1.25 : 0.5);
      assertThat(step.get("rate").asDouble()).isEqualTo(rate);
      final double sentPerSecond = step.get("sent").asLong() / step.get("seconds").asDouble();
      assertThat(sentPerSecond).isPositive();
      // Held: sent within a second of its 4 s, and at most 5 s of what it sent left in every lag sample of its second half.
      assertThat(step.get("held").asBoolean()).as("step %d of %s", i, steps).isEqualTo(step.get("seconds").asDouble() <= 5
          && step.get("samples").asInt() > 0 && step.get("maxLag").asLong() <= sentPerSecond * 5);
      if (step.get("held").asBoolean()) {
        held = sentPerSecond;
        asked = rate;
      }
    }
    assertThat(result.get("live").get("heldRate").asDouble()).isEqualTo(held);
    assertThat(result.get("live").get("heldAsked").asDouble()).isEqualTo(asked);
    assertThat(result.get("liveRatio").asDouble()).isEqualTo(held / openid.get("passThrough").get("medianEventsPerSecond").asDouble());
    final JsonNode latency = result.get("latency");
    assertThat(latency.get("rate").asDouble()).isEqualTo(
        (held > 0 ? asked : openid.get("pipeline").get("medianEventsPerSecond").asDouble()) / 2);
    assertThat(latency.get("sentPerSecond").asDouble()).isPositive();
    assertThat(latency.get("payments").asInt()).isPositive();
    assertThat(latency.get("p50Ms").asLong()).isPositive().isLessThanOrEqualTo(latency.get("p99Ms").asLong());
    assertThat(latency.get("p99Ms").asLong()).isLessThanOrEqualTo(latency.get("maxMs").asLong());
    // A probe scan every 200 ms over 5 s: each one's row came out.
    assertThat(latency.get("probes").asInt()).isEqualTo(25);
    assertThat(latency.get("rowP50Ms").asLong()).isPositive().isLessThanOrEqualTo(latency.get("rowP99Ms").asLong());
    assertThat(latency.get("rowP99Ms").asLong()).isLessThanOrEqualTo(latency.get("rowMaxMs").asLong());
    assertThat(run.out()).contains("inputs keyed by person", "inputs keyed by app-openid", "(a) pass-through, exactly once", "(b) walled pipeline, exactly once", "b/a (medians)",
        "writes per input event", "(c) highest live rate held", "written to " + json);
  }

  /** Both apps worked through exactly the inputs, each run; the medians, writes and ratio are the arithmetic of the runs. */
  private static void assertBacklog(final JsonNode backlog, final Map<String, Long> inputs, final long events) {
    assertThat(new ObjectMapper().convertValue(backlog.get("inputsByEcosystem"), new TypeReference<Map<String, Long>>() {}))
        .isEqualTo(inputs);
    for (final String phase : new String[] {"passThrough", "pipeline"}) {
      final JsonNode runs = backlog.get(phase).get("runs");
      assertThat(runs).as(phase).hasSize(2);
      for (final JsonNode each : runs) {
        assertThat(each.get("events").asLong()).as(phase).isEqualTo(events);
        assertThat(each.get("eventsPerSecond").asDouble()).as(phase).isEqualTo(events / each.get("seconds").asDouble());
        assertThat(each.get("peakHeapMib").asLong()).as(phase).isPositive();
      }
      final double first = runs.get(0).get("eventsPerSecond").asDouble();
      final double second = runs.get(1).get("eventsPerSecond").asDouble();
      assertThat(backlog.get(phase).get("medianEventsPerSecond").asDouble()).as(phase).isEqualTo((first + second) / 2);
      assertThat(backlog.get(phase).get("minEventsPerSecond").asDouble()).as(phase).isEqualTo(Math.min(first, second));
      assertThat(backlog.get(phase).get("maxEventsPerSecond").asDouble()).as(phase).isEqualTo(Math.max(first, second));
    }
    // Everyone in state has sent at least one of the inputs.
    assertThat(backlog.get("personsInState").asLong()).isPositive().isLessThan(events);
    assertThat(backlog.get("pipelineWritesPerEvent").fieldNames()).toIterable().containsExactly("changelog", "outputs", "repartition");
    // Per topic: only the pipeline's own topics, and each kind's figure is their sum over the events.
    final Map<String, Long> byTopic = new ObjectMapper().convertValue(backlog.get("pipelineWritesByTopic"),
        new TypeReference<Map<String, Long>>() {});
    final Map<String, Long> byKind = new TreeMap<>();
    for (final Ecosystem eco : Ecosystem.values()) {
      final Names names = new Names(eco, "bench-2");
      names.repartitionTopics().forEach(topic -> byKind.merge("repartition", byTopic.getOrDefault(topic, 0L), Long::sum));
      Names.STORES.forEach(store -> byKind.merge("changelog", byTopic.getOrDefault(names.changelog(store), 0L), Long::sum));
      EcoTopic.outputs().forEach(topic -> byKind.merge("outputs", byTopic.getOrDefault(names.topic(topic), 0L), Long::sum));
    }
    assertThat(byKind.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(byTopic.values().stream().mapToLong(Long::longValue).sum());
    byKind.forEach((kind, writes) -> assertThat(backlog.get("pipelineWritesPerEvent").get(kind).asDouble()).as(kind)
        .isEqualTo(Math.round(writes * 100.0 / events) / 100.0));
    assertThat(backlog.get("ratio").asDouble()).isEqualTo(
        backlog.get("pipeline").get("medianEventsPerSecond").asDouble() / backlog.get("passThrough").get("medianEventsPerSecond").asDouble());
  }

  /** Records the generator sends to each ecosystem's inputs (its catalog is not an input). */
  private static Map<String, Long> inputsOf(final Generator generator) {
    final Set<String> catalogs = Set.of(EcoTopic.CONTENT.topic(Ecosystem.WEIXIN), EcoTopic.CONTENT.topic(Ecosystem.WECHAT));
    final Map<String, Long> inputs = new TreeMap<>();
    while (generator.hasNext()) {
      final Generated record = generator.next();
      if (!catalogs.contains(record.topic())) {
        inputs.merge(record.topic().substring(0, record.topic().indexOf('.')), 1L, Long::sum);
      }
    }
    return inputs;
  }
}
