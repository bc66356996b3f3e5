package wxfunnel.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.Ecosystem;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.ChildJvm;
import wxfunnel.registry.RegistryClient;
import wxfunnel.registry.RegistryServer;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.testing.KafkaCluster;
import wxfunnel.testing.Ports;
import wxfunnel.testing.ProcessorChild;
import wxfunnel.testing.ProcessorOutputs;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;

/**
 * Scale-out on a real cluster: three brokers (three replicas, two in sync required) and two
 * instances of each ecosystem's processor sharing its partitions. Halfway through the inputs, one
 * instance of each is killed with SIGKILL, and so is the broker that coordinates the Weixin group.
 * The survivors take over the dead instances' tasks and finish; a read_committed reader finds
 * exactly the outputs of an uninterrupted run over the same inputs.
 */
class ScaleOutTest {

  private static final int PARTITIONS = 4;
  private static final long RECORDS = 12_000;
  private static final List<Ecosystem> ECOSYSTEMS = List.of(Ecosystem.WEIXIN, Ecosystem.WECHAT);
  // A killed member leaves its group after 10 s instead of 45.
  private static final String PROCESSOR_SETTINGS = "kafka.session.timeout.ms=10000\n";

  @TempDir
  Path dir;

  @Test
  void survivorsOfAKilledInstanceAndBrokerFinishWithExactOutputs() throws Exception {
    try (KafkaCluster cluster = KafkaCluster.start(dir.resolve("cluster"));
        RegistryServer registry = RegistryServer.start(cluster.clientConfig(), 0);
        Admin admin = Admin.create(cluster.clientConfig())) {
      try (TopicAdmin topics = new TopicAdmin(cluster.clientConfig())) {
        topics.create(ECOSYSTEMS, PARTITIONS);
        assertThat(topics.describe(ECOSYSTEMS).values()).allSatisfy(topic -> assertThat(topic.replicationFactor()).isEqualTo(3));
      }
      final Map<Ecosystem, ProcessorOutputs> expected = new EnumMap<>(Ecosystem.class);
      final Map<Ecosystem, Long> total = new EnumMap<>(Ecosystem.class);
      try (TrafficSender sender = new TrafficSender(cluster.clientConfig(), new RegistryClient(registry.url()))) {
        for (final Ecosystem eco : ECOSYSTEMS) {
          new Generator(Generator.Settings.of(eco.ordinal() + 7, RECORDS).withEcosystems(EnumSet.of(eco))
              .withStart(Instant.now().minus(Duration.ofDays(3)))).forEachRemaining(sender::send);
        }
        sender.flush();
      }
      for (final Ecosystem eco : ECOSYSTEMS) {
        expected.put(eco, ProcessorOutputs.reference(cluster.clientConfig(), registry.url(), new Names(eco),
            dir.resolve("reference-" + eco)));
        assertThat(expected.get(eco).conversions()).as(eco + " conversions").hasSizeGreaterThan(100);
        total.put(eco, ProcessorLag.of(admin, eco));
      }

      final List<ChildJvm> instances = new ArrayList<>();
      try {
        final Map<Ecosystem, ChildJvm> doomed = new EnumMap<>(Ecosystem.class);
        for (final Ecosystem eco : ECOSYSTEMS) {
          doomed.put(eco, instance(cluster, registry, eco, "a", instances));
          instance(cluster, registry, eco, "b", instances);
        }
        // 1. Both instances of each ecosystem share its tasks.
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
            .ignoreExceptions() // until the group exists
            .untilAsserted(() -> assertThat(ECOSYSTEMS).allSatisfy(eco -> assertThat(group(admin, eco).members())
                .as(eco + " members with tasks").hasSize(2)
                .allSatisfy(member -> assertThat(member.assignment().topicPartitions()).isNotEmpty())));

        // 2. Halfway through its inputs, one instance of each ecosystem dies; with Weixin's, its group's coordinator.
        final Map<Ecosystem, Long> leftAtKill = new EnumMap<>(Ecosystem.class);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100)).until(() -> {
          for (final Ecosystem eco : ECOSYSTEMS) {
            if (!leftAtKill.containsKey(eco) && lag(admin, eco) <= total.get(eco) / 2) {
              final int coordinator = group(admin, eco).coordinator().id();
              doomed.get(eco).kill();
              if (eco == Ecosystem.WEIXIN) {
                cluster.kill(coordinator);
              }
              leftAtKill.put(eco, lag(admin, eco));
            }
          }
          return leftAtKill.size() == ECOSYSTEMS.size();
        });
        assertThat(leftAtKill).as("work left after the kills").allSatisfy((eco, left) -> assertThat(left).isPositive());

        // 3. The survivors take over and finish; the outputs are exactly those of the uninterrupted run.
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
            .until(() -> ECOSYSTEMS.stream().allMatch(eco -> lag(admin, eco) == 0));
        for (final Ecosystem eco : ECOSYSTEMS) {
          ProcessorLag.awaitSettled(admin, eco, Duration.ofMinutes(1));
          assertThat(group(admin, eco).members()).as(eco + " members").hasSize(1);
          final ProcessorOutputs actual = ProcessorOutputs.read(cluster.clientConfig(), registry.url(), new Names(eco));
          assertThat(actual).as(() -> eco + "\n" + actual.differencesFrom(expected.get(eco))).isEqualTo(expected.get(eco));
        }
      } finally {
        for (final ChildJvm instance : instances) {
          instance.close();
        }
      }
    }
  }

  private ChildJvm instance(final KafkaCluster cluster, final RegistryServer registry, final Ecosystem eco,
      final String name, final List<ChildJvm> instances) throws Exception {
    final ChildJvm instance = ProcessorChild.start(eco, cluster.bootstrapServers(), registry.url(),
        dir.resolve("state-" + eco + "-" + name), Ports.free(), PROCESSOR_SETTINGS, dir.resolve(eco + "-" + name + ".log"));
    instances.add(instance);
    return instance;
  }

  private static ConsumerGroupDescription group(final Admin admin, final Ecosystem eco) throws Exception {
    final String id = EcoTopic.applicationId(eco);
    return admin.describeConsumerGroups(List.of(id)).describedGroups().get(id).get(30, TimeUnit.SECONDS);
  }

  private static long lag(final Admin admin, final Ecosystem eco) {
    try {
      return ProcessorLag.of(admin, eco);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
