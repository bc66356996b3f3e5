package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import wxfunnel.events.Ecosystem;
import wxfunnel.registry.InMemoryRegistry;
import wxfunnel.serde.AvroSerdes;
import wxfunnel.topics.EcoTopic;

/**
 * The topology as Kafka Streams describes it, kept in {@code src/test/resources/topology/}: a
 * renamed node, store or internal topic (which would orphan a changelog) shows up in review.
 */
class TopologySnapshotTest {

  private static final Pattern NAMES = Pattern.compile("(?:topics?: \\[?|stores: \\[|Source: |Processor: |Sink: )([^\\]\\s(,]+)");

  @ParameterizedTest
  @EnumSource(Ecosystem.class)
  void describeMatchesTheSnapshotAndNamesOnlyThisEcosystem(final Ecosystem ecosystem) throws IOException {
    final String described = FunnelTopology.build(ecosystem, FunnelConfig.defaults(ecosystem),
        new AvroSerdes(new InMemoryRegistry("TopologySnapshotTest"), true)).describe().toString();
    final String prefix = EcoTopic.prefix(ecosystem);
    final String snapshot = "/topology/" + prefix + ".txt";

    assertThat(described).as("update %s if the change is intended:%n%s", snapshot, described).isEqualTo(read(snapshot));
    final Matcher names = NAMES.matcher(described);
    int count = 0;
    while (names.find()) {
      count++;
      assertThat(names.group(1)).matches("(" + prefix + "\\.|wxfunnel-" + prefix + "-).+");
    }
    assertThat(count).isGreaterThan(40);
    final String other = ecosystem == Ecosystem.WEIXIN ? "wechat" : "weixin";
    assertThat(described).doesNotContain(other);
  }

  private static String read(final String resource) throws IOException {
    try (var in = Objects.requireNonNull(TopologySnapshotTest.class.getResourceAsStream(resource), resource + " is missing")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
