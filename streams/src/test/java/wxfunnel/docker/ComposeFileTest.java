package wxfunnel.docker;

import static org.assertj.core.api.Assertions.assertThat;

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
}
