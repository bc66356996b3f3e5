package wxfunnel.cli;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import wxfunnel.events.Ecosystem;
import wxfunnel.topics.EcoAcls;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topics.TopicAdmin.TopicState;

/** {@code wxfunnel topics create|describe|acls}. */
@Command(name = "topics", mixinStandardHelpOptions = true,
    description = {
        "create: create the missing topics of one or both ecosystems with their cleanup policy; existing ones are left as they are, so running it twice changes nothing.",
        "describe: show each topic's partitions, replicas, cleanup policy, end offsets and the processor's lag on it.",
        "acls: print the prefixed ACLs one ecosystem's principal needs (--principal), and with --apply create them."})
final class TopicsCommand implements Callable<Integer> {

  enum Action { create, describe, acls }

  @Parameters(index = "0", paramLabel = "create|describe|acls", description = "What to do: ${COMPLETION-CANDIDATES}.")
  Action action;

  @Spec
  CommandSpec spec;

  @Mixin
  ClientOptions client;

  @Option(names = "--ecosystem", paramLabel = "wechat|weixin|both", defaultValue = "both", converter = EcosystemChoice.class,
      description = "Ecosystem(s) whose topics to handle (default: ${DEFAULT-VALUE}).")
  Set<Ecosystem> ecosystems;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "" + TopicAdmin.DEFAULT_PARTITIONS,
      description = "Partitions of each new topic (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--principal", paramLabel = "User:NAME", description = "acls: the ecosystem's principal, e.g. User:weixin.")
  String principal;

  @Option(names = "--apply", description = "acls: create the ACLs on the cluster (needs an authorizer and the right to alter ACLs).")
  boolean apply;

  @Override
  public Integer call() {
    if (action == Action.acls) {
      return acls();
    }
    try (TopicAdmin admin = new TopicAdmin(client.kafkaConfig())) {
      if (action == Action.create) {
        print(admin.create(ecosystems, partitions));
      } else {
        print(admin.describe(ecosystems));
      }
    }
    return 0;
  }

  private int acls() {
    if (principal == null || ecosystems.size() != 1) {
      throw new ParameterException(spec.commandLine(), "acls needs one --ecosystem and its --principal (e.g. User:weixin)");
    }
    final List<AclBinding> acls = EcoAcls.of(ecosystems.iterator().next(), principal);
    acls.forEach(acl -> System.out.println(EcoAcls.describe(acl)));
    if (apply) {
      try (Admin admin = Admin.create(client.kafkaConfig())) {
        admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw new IllegalStateException("the cluster refused the ACLs: " + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException | TimeoutException e) {
        throw new IllegalStateException("the cluster did not create the ACLs: " + e.getMessage(), e);
      }
      System.out.println(acls.size() + " ACLs created for " + principal);
    }
    return 0;
  }

  private void print(final List<String> created) {
    created.forEach(name -> System.out.println("created " + name));
    final int all = ecosystems.size() * EcoTopic.values().length;
    System.out.println(created.size() + " created, " + (all - created.size()) + " already existed");
  }

  private void print(final Map<String, TopicState> states) {
    System.out.printf("%-26s %10s %8s %-8s %12s %10s%n", "TOPIC", "PARTITIONS", "REPLICAS", "CLEANUP", "END OFFSETS", "LAG");
    for (final Ecosystem eco : ecosystems) {
      for (final EcoTopic topic : EcoTopic.values()) {
        final TopicState state = states.get(topic.topic(eco));
        if (state == null) {
          System.out.printf("%-26s %s%n", topic.topic(eco), "missing (run: wxfunnel topics create)");
        } else {
          System.out.printf("%-26s %10d %8d %-8s %12d %10s%n", state.name(), state.partitions(), state.replicationFactor(),
              state.cleanupPolicy(), state.endOffsets(), state.lag() == null ? "-" : state.lag());
        }
      }
    }
    System.out.println("LAG: records the ecosystem's processor (group wxfunnel-<eco>) has not yet committed; - where it reads nothing.");
  }
}
