package wxfunnel.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import wxfunnel.testing.Http;
import wxfunnel.testing.Tools;

/**
 * The full stack of docker/compose.yaml, started by Testcontainers: both processors healthy,
 * Prometheus scraping them, Grafana up. Needs a Docker engine: where there is none, JUnit skips it
 * with Testcontainers' reason ("Docker is not available").
 */
@Testcontainers(disabledWithoutDocker = true)
class DockerStackIT {

  private static final Duration STARTUP = Duration.ofMinutes(10);

  @Container
  static final ComposeContainer STACK = new ComposeContainer(new File(Tools.repo().toFile(), "docker/compose.yaml"))
      .withBuild(true)
      .withExposedService("wxfunnel-weixin", 9464, Wait.forHttp("/health").forStatusCode(200).withStartupTimeout(STARTUP))
      .withExposedService("wxfunnel-wechat", 9464, Wait.forHttp("/health").forStatusCode(200).withStartupTimeout(STARTUP))
      .withExposedService("prometheus", 9090, Wait.forHttp("/-/ready").withStartupTimeout(STARTUP))
      .withExposedService("grafana", 3000, Wait.forHttp("/api/health").withStartupTimeout(STARTUP));

  @Test
  void processorsAreHealthyAndPrometheusScrapesBoth() {
    final String prometheus = "http://" + STACK.getServiceHost("prometheus", 9090) + ":" + STACK.getServicePort("prometheus", 9090);
    final String query = prometheus + "/api/v1/query?query=" + URLEncoder.encode("sum(up{job=\"wxfunnel\"})", StandardCharsets.UTF_8);

    await().atMost(Duration.ofMinutes(3)).ignoreExceptions().untilAsserted(() -> {
      final JsonNode answer = new ObjectMapper().readTree(Http.get(query));
      assertThat(answer.at("/data/result/0/value/1").asText()).isEqualTo("2");
    });
  }
}
