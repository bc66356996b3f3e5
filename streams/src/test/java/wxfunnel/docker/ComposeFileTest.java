package wxfunnel.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.apache.kafka.common.utils.internals.AppInfoParser;
import org.junit.jupiter.api.Test;
import wxfunnel.testing.Tools;
import wxfunnel.testing.Tools.Run;

/** The full stack's compose file, as Docker Compose itself reads it. */
class ComposeFileTest {

  @Test
  void dockerComposeAcceptsTheFullStack() throws Exception {
    final String compose = Tools.require("docker-compose", "Debian: apt-get install docker-compose").toString();

    final Run config = Tools.run(Tools.repo(), compose, "-f", "docker/compose.yaml", "config");
    final Run services = Tools.run(Tools.repo(), compose, "-f", "docker/compose.yaml", "config", "--services");

    assertThat(config.exitCode()).as(config.output()).isZero();
    assertThat(services.output().lines().sorted().toList()).containsExactly("alertmanager", "generator", "grafana",
        "kafka", "prometheus", "schema-registry", "topics", "wxfunnel-wechat", "wxfunnel-weixin");
    assertThat(config.output()).contains("/etc/prometheus").contains("/etc/grafana/provisioning")
        .contains("--ecosystem").contains("weixin").contains("wechat");
  }

  /**
   * What a stack that runs for days needs: the broker of the app's own Kafka version, published on
   * the host; healthchecks without bash's /dev/tcp (the image runs them with curl); real-time
   * traffic; Prometheus's data on a volume, so last week's baseline survives a restart.
   */
  @Test
  void theStackCanRunForDaysAndBeReachedFromTheHost() throws Exception {
    final String compose = Tools.require("docker-compose", "Debian: apt-get install docker-compose").toString();

    final String config = Tools.run(Tools.repo(), compose, "-f", "docker/compose.yaml", "config").output();
    final String dockerfile = Files.readString(Tools.repo().resolve("docker/Dockerfile"));

    assertThat(config).contains("image: apache/kafka:" + AppInfoParser.getVersion() + "\n")
        .contains("    - published: 9092\n      target: 9092\n")
        .doesNotContain("/dev/tcp")
        .contains("- --realtime\n")
        .contains("prometheus-data:/prometheus:rw");
    assertThat(config.split("- http://127.0.0.1:9464/health/ready", -1)).as("a healthcheck per processor").hasSize(3);
    assertThat(dockerfile).contains("apt-get install -y --no-install-recommends curl");
  }
}
