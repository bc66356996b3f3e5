package wxfunnel.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import wxfunnel.events.Ecosystem;
import wxfunnel.registry.RegistryClient;
import wxfunnel.replay.Replay;
import wxfunnel.replay.ResetPoint;
import wxfunnel.replay.ShadowComparison;
import wxfunnel.replay.ShadowReplay;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;

/** {@code wxfunnel replay}: reprocess an ecosystem's inputs, in place or in a shadow, and compare. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {
        "Reset an ecosystem's processor for reprocessing with Kafka's StreamsResetter: input offsets go back to the "
            + "reset point, internal topics are deleted, then the local state. Start `run` again afterwards.",
        "With --shadow NAME, reprocess instead into <eco>.shadow-NAME.* under its own application id and the "
            + "settings given here, up to where the inputs end now; production is not touched.",
        "With --compare NAME, print production against the shadow, campaign by campaign."})
final class ReplayCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ClientOptions client;

  @Mixin
  FunnelOptions funnel;

  @Option(names = "--ecosystem", paramLabel = "wechat|weixin|both", required = true, converter = EcosystemChoice.class,
      description = "Whose processor to replay.")
  Set<Ecosystem> ecosystems;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  From from;

  static final class From {
    @Option(names = "--to-earliest", required = true, description = "From the first record still on the broker.")
    boolean earliest;

    @Option(names = "--to-datetime", required = true, paramLabel = "INSTANT",
        description = "From the first record at or after this time, ISO-8601 (e.g. 2026-11-11T00:00:00Z).")
    Instant datetime;

    @Option(names = "--by-duration", required = true, paramLabel = "DURATION", converter = DurationConverter.class,
        description = "From this long before now (e.g. 6h, 2d).")
    Duration ago;

    ResetPoint point() {
      return earliest ? new ResetPoint.Earliest() : datetime != null ? new ResetPoint.At(datetime) : new ResetPoint.Ago(ago);
    }
  }

  @Option(names = "--dry-run", description = "Print what would be reset and deleted; change nothing.")
  boolean dryRun;

  @Option(names = "--force", description = "Remove the group's members first (stopped processors not yet expired).")
  boolean force;

  @Option(names = "--shadow", paramLabel = "NAME", description = "Reprocess into outputs of a shadow of this name.")
  String shadow;

  @Option(names = "--compare", paramLabel = "NAME", description = "Print production against the shadow of this name.")
  String compare;

  @Mixin
  EgressOptions egress;

  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "data/state",
      description = "The parent state directory the processor runs with (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Override
  public Integer call() throws Exception {
    final int minCellUsers = egress.minCellUsers();
    if (compare != null) {
      for (final Ecosystem eco : ecosystems) {
        final Names names = new Names(eco, compare);
        ShadowComparison.print(ShadowComparison.of(client.kafkaConfig(), new RegistryClient(client.schemaRegistryUrl), names,
            funnel.config(eco), minCellUsers), names, minCellUsers, System.out);
      }
      return 0;
    }
    if (from == null) {
      throw new ParameterException(spec.commandLine(), "Say where to replay from: --to-earliest, --to-datetime or --by-duration");
    }
    for (final Ecosystem eco : ecosystems) {
      if (shadow != null && !dryRun) {
        final Names names = new Names(eco, shadow);
        final ShadowReplay.Result result = ShadowReplay.run(client.kafkaConfig(), client.schemaRegistryUrl, names,
            funnel.config(eco), from.point(), force, stateDir, System.out);
        System.out.printf("%s reprocessed %,d records in %d s; compare with: wxfunnel replay --ecosystem %s --compare %s%n",
            names.applicationId(), result.inputRecords(), result.took().toSeconds(), EcoTopic.prefix(eco), shadow);
      } else {
        final Names names = new Names(eco, shadow);
        if (shadow != null) {
          System.out.println("Would recreate empty " + EcoTopic.outputs().stream().map(names::topic).toList() + " and reprocess into them");
        }
        Replay.reset(client.kafkaConfig(), names, from.point(), dryRun, force, stateDir, System.out);
      }
    }
    return 0;
  }
}
