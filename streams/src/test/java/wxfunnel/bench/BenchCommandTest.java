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
    final CliRun run = CliRun.of("bench", "--events", String.valueOf(EVENTS), "--partitions", "2", "--latency-duration", "5s",
        "--data-dir", dir.resolve("data").toString(), "--json", json.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();

    final JsonNode result = new ObjectMapper().readTree(json.toFile());
    final Map<String, Long> inputs = inputsOf(new Generator(Bench.preload(42, EVENTS, Instant.now())));
    assertThat(new ObjectMapper().convertValue(result.get("inputsByEcosystem"), new TypeReference<Map<String, Long>>() {}))
        .isEqualTo(inputs);
    final long events = inputs.values().stream().mapToLong(Long::longValue).sum();
    assertThat(result.get("events").asLong()).isEqualTo(events);
    for (final String phase : new String[] {"passThrough", "pipeline"}) {
      assertThat(result.get(phase).get("events").asLong()).as(phase).isEqualTo(events);
      assertThat(result.get(phase).get("eventsPerSecond").asDouble()).as(phase)
          .isEqualTo(events / result.get(phase).get("seconds").asDouble());
      assertThat(result.get(phase).get("peakHeapMib").asLong()).as(phase).isPositive();
    }
    // Everyone in state has sent at least one of the inputs.
    assertThat(result.get("personsInState").asLong()).isPositive().isLessThan(events);
    // Every valid event is re-keyed by person, and most change a funnel row: more than one repartition write each.
    assertThat(result.get("pipelineWritesPerEvent").fieldNames()).toIterable().containsExactly("changelog", "outputs", "repartition");
    assertThat(result.get("pipelineWritesPerEvent").get("repartition").asDouble()).isGreaterThan(1.0);
    assertThat(result.get("ratio").asDouble())
        .isEqualTo(result.get("pipeline").get("eventsPerSecond").asDouble() / result.get("passThrough").get("eventsPerSecond").asDouble());
    final JsonNode latency = result.get("latency");
    assertThat(latency.get("rate").asDouble()).isEqualTo(result.get("pipeline").get("eventsPerSecond").asDouble() / 2);
    assertThat(latency.get("payments").asInt()).isPositive();
    assertThat(latency.get("p50Ms").asLong()).isPositive().isLessThanOrEqualTo(latency.get("p99Ms").asLong());
    assertThat(latency.get("p99Ms").asLong()).isLessThanOrEqualTo(latency.get("maxMs").asLong());
    assertThat(run.out()).contains("(a) pass-through, exactly once", "(b) walled pipeline, exactly once", "b/a",
        "writes per input event", "written to " + json);
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
