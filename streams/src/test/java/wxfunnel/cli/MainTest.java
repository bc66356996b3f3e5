package wxfunnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  void mainCapsTheJdksCachedDirectBuffersAtOneMebibyteUnlessGiven() {
    final Properties unset = new Properties();
    final Properties given = new Properties();
    given.setProperty("jdk.nio.maxCachedBufferSize", "0");

    Main.capCachedBuffers(unset);
    Main.capCachedBuffers(given);

    assertThat(unset.getProperty("jdk.nio.maxCachedBufferSize")).isEqualTo("1048576");
    assertThat(given.getProperty("jdk.nio.maxCachedBufferSize")).isEqualTo("0");
  }
}
