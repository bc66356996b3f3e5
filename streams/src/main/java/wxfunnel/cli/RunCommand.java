package wxfunnel.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import wxfunnel.egress.Egress;
import wxfunnel.events.Ecosystem;
import wxfunnel.metrics.MetricsServer;
import wxfunnel.query.QueryHandler;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.topics.EcoTopic;

/** {@code wxfunnel run}: the processor of one ecosystem (or of each, walled apart) against a given cluster and registry. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the processor of one ecosystem against a given cluster and registry, until Ctrl-C or SIGTERM.")
final class RunCommand implements Callable<Integer> {

  private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

  @Mixin
  ClientOptions client;

  @Mixin
  FunnelOptions funnel;

  @Option(names = "--ecosystem", paramLabel = "wechat|weixin|both", required = true, converter = EcosystemChoice.class,
      description = "Whose processor to run; both runs two walled instances in this JVM.")
  Set<Ecosystem> ecosystems;

  @Option(names = "--weixin-bootstrap-servers", paramLabel = "HOST:PORT[,...]",
      description = "Weixin's own cluster (default: --bootstrap-servers).")
  String weixinBootstrapServers;

  @Option(names = "--wechat-bootstrap-servers", paramLabel = "HOST:PORT[,...]",
      description = "WeChat's own cluster (default: --bootstrap-servers).")
  String wechatBootstrapServers;

  @Option(names = "--weixin-schema-registry-url", paramLabel = "URL", description = "Weixin's own registry (default: --schema-registry-url).")
  String weixinRegistryUrl;

  @Option(names = "--wechat-schema-registry-url", paramLabel = "URL", description = "WeChat's own registry (default: --schema-registry-url).")
  String wechatRegistryUrl;

  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "data/state",
      description = "Local state; each ecosystem uses its own subdirectory (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9464",
      description = "Port of /metrics and /health, 0 for any free port (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--metrics-host", paramLabel = "HOST", defaultValue = "0.0.0.0",
      description = "Address /metrics and /health listen on (default: ${DEFAULT-VALUE}).")
  String metricsHost;

  @Option(names = "--advertised-host", paramLabel = "HOST", defaultValue = "localhost",
      description = "The name other instances of the same ecosystem's processor reach this one's queries by, at its metrics port "
          + "(Kafka Streams' application.server; default: ${DEFAULT-VALUE}, for instances on one machine).")
  String advertisedHost;

  @Option(names = "--top-campaigns", paramLabel = "N", defaultValue = "" + Egress.DEFAULT_TOP_CAMPAIGNS,
      description = "Campaigns with a metrics label of their own; the rest are 'other'. Half as many articles, QR scenes "
          + "and coupons each are named (default: ${DEFAULT-VALUE}).")
  int topCampaigns;

  @Mixin
  EgressOptions egress;

  /**
   * Starts each ecosystem on its own thread, so that a cluster that does not answer holds back only
   * its own processor (tried again, with backoff, until it answers); exits 1 when a processor
   * cannot start for another reason or reaches ERROR.
   */
  @Override
  public Integer call() throws Exception {
    final int minCellUsers = egress.minCellUsers();
    final UntilStopped running = new UntilStopped("run");
    final MetricsServer metrics = running.closeOnStop(MetricsServer.start(metricsHost, metricsPort));
    for (final Ecosystem eco : ecosystems) {
      metrics.expect(eco);
      final Egress wall = new Egress(minCellUsers, topCampaigns);
      final Thread starter = new Thread(() -> start(eco, running, metrics, wall), "wxfunnel-start-" + EcoTopic.prefix(eco));
      starter.setDaemon(true);
      starter.start();
    }
    return running.await();
  }

  private void start(final Ecosystem eco, final UntilStopped running, final MetricsServer metrics, final Egress wall) {
    final String name = EcoTopic.prefix(eco);
    try {
      final FunnelProcessor processor = startWithRetries(eco, running, advertisedHost + ":" + metrics.port());
      if (processor == null) {
        return;
      }
      metrics.serve(QueryHandler.prefix(eco), new QueryHandler(eco, processor.queries()));
      running.closeOnStop(processor);
      processor.onError(() -> running.fail(name + " processor stopped in ERROR; see its log"));
      metrics.watchRegistry(eco, registryUrl(eco));
      running.closeOnStop(metrics.follow(processor, kafkaConfig(eco), registryUrl(eco), funnel.config(eco), wall,
          null));
      System.out.println(name + " processor running; metrics at " + metrics.url() + "/metrics, queries at " + metrics.url()
          + QueryHandler.prefix(eco));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable e) {
      running.fail(name + " processor did not start: " + Main.oneLine(e));
    }
  }

  /**
   * Starts the processor, trying again with backoff (1 s, doubling up to a minute) while its
   * cluster does not answer or its input topics do not exist yet; anything else (a refused
   * credential, topics that disagree) is thrown. Null once the command is stopped meanwhile.
   */
  private FunnelProcessor startWithRetries(final Ecosystem eco, final UntilStopped running, final String applicationServer)
      throws InterruptedException {
    final Map<String, Object> kafka = kafkaConfig(eco);
    kafka.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
    Duration backoff = Duration.ofSeconds(1);
    while (true) {
      try {
        return FunnelProcessor.start(eco, funnel.config(eco), kafka, registryUrl(eco), stateDir);
      } catch (IllegalStateException e) {
        if (!isRetriable(e)) {
          throw e;
        }
        System.err.println(EcoTopic.prefix(eco) + " processor cannot start yet (" + Main.oneLine(e) + "); trying again in "
            + backoff.toSeconds() + " s");
        if (running.stopsWithin(backoff)) {
          return null;
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
  }

  /** Whether the cluster did not answer in time, or answered that a topic is not there yet: what waiting can cure. */
  private static boolean isRetriable(final Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof RetriableException || cause instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private Map<String, Object> kafkaConfig(final Ecosystem eco) {
    final Map<String, Object> config = new HashMap<>(client.kafkaConfig());
    final String own = eco == Ecosystem.WEIXIN ? weixinBootstrapServers : wechatBootstrapServers;
    if (own != null) {
      config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, own);
    }
    return config;
  }

  private String registryUrl(final Ecosystem eco) {
    final String own = eco == Ecosystem.WEIXIN ? weixinRegistryUrl : wechatRegistryUrl;
    return own != null ? own : client.schemaRegistryUrl;
  }
}
