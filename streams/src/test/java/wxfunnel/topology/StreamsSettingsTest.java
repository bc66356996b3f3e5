package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import wxfunnel.events.Ecosystem;

class StreamsSettingsTest {

  private static final String FETCH_MAX_BYTES = "consumer.fetch.max.bytes";

  @Test
  void consumersFetchAtMostEightMebibytesAtOnceUnlessGivenAnotherSizeEitherWay() {
    final Properties defaults = StreamsSettings.of(Ecosystem.WEIXIN, Map.of(), Path.of("state"));
    final Properties given = StreamsSettings.of(Ecosystem.WEIXIN, Map.of(FETCH_MAX_BYTES, 1_000_000), Path.of("state"));
    final Properties givenForAllClients = StreamsSettings.of(Ecosystem.WEIXIN, Map.of("fetch.max.bytes", 2_000_000), Path.of("state"));

    assertThat(defaults.get(FETCH_MAX_BYTES)).isEqualTo(8_388_608);
    assertThat(given.get(FETCH_MAX_BYTES)).isEqualTo(1_000_000);
    // A prefixed default would win over the plain key given for every client.
    assertThat(givenForAllClients).doesNotContainKey(FETCH_MAX_BYTES).containsEntry("fetch.max.bytes", 2_000_000);
  }
}
