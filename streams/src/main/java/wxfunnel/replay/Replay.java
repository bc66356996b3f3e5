package wxfunnel.replay;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.tools.StreamsResetter;
import wxfunnel.topics.Names;
import wxfunnel.topology.Input;
import wxfunnel.topology.StreamsSettings;

/**
 * Resets one processor for reprocessing with Kafka's own {@link StreamsResetter}: its input
 * offsets go back to the reset point, its internal topics (repartition topics, changelogs) are
 * deleted, and then its local state directory. Outputs are keyed upserts, so the re-run converges
 * to the same value for every key.
 */
public final class Replay {

  private Replay() {}

  /** The reset was not done, for a reason the user can act on. */
  public static final class Refused extends RuntimeException {
    Refused(final String message) {
      super(message);
    }
  }

  /**
   * Resets the processor {@code names}, or with {@code dryRun} prints what it would do and changes nothing.
   *
   * @param force remove the group's members first (processors that were stopped but not yet expired)
   * @param stateDir the parent state directory the processor runs with ({@code run --state-dir})
   */
  public static void reset(final Map<String, Object> kafka, final Names names, final ResetPoint point, final boolean dryRun,
      final boolean force, final Path stateDir, final PrintStream out) {
    final String group = names.applicationId();
    if (!force) {
      final int members = members(kafka, group);
      if (members > 0) {
        throw new Refused("the group " + group + " still has " + members + " member(s): stop its processors first, "
            + "or pass --force if they are stopped but not yet expired");
      }
    }
    final int exit = new StreamsResetter().execute(resetterArgs(kafka, names, point, dryRun, force).toArray(String[]::new),
        clientProperties(kafka));
    if (exit != 0) {
      throw new Refused("StreamsResetter failed for " + group + " (exit " + exit + "); see its message above");
    }
    final Path local = localState(kafka, names, stateDir);
    if (dryRun) {
      out.println("Would delete local state " + local + (Files.exists(local) ? "" : " (absent)"));
    } else {
      out.println("Deleted local state " + local + " (" + delete(local) + " files)");
    }
  }

  /** The processor's own state directory: {@code state.dir/application.id}. */
  public static Path localState(final Map<String, Object> kafka, final Names names, final Path stateDir) {
    return Path.of(StreamsSettings.of(names, kafka, stateDir).getProperty(StreamsConfig.STATE_DIR_CONFIG), names.applicationId());
  }

  static List<String> resetterArgs(final Map<String, Object> kafka, final Names names, final ResetPoint point,
      final boolean dryRun, final boolean force) {
    final List<String> args = new ArrayList<>(List.of(
        "--bootstrap-server", String.valueOf(kafka.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)),
        "--application-id", names.applicationId(),
        "--input-topics", String.join(",", Input.ALL.stream().map(input -> names.topic(input.topic())).toList())));
    args.addAll(point.resetterOptions());
    if (dryRun) {
      args.add("--dry-run");
    }
    if (force) {
      args.add("--force");
    }
    return args;
  }

  /** Security and other client settings pass through; the bootstrap servers are an argument. */
  private static Properties clientProperties(final Map<String, Object> kafka) {
    final Properties properties = new Properties();
    kafka.forEach((key, value) -> {
      if (!key.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) && !key.equals(StreamsConfig.STATE_DIR_CONFIG)) {
        properties.put(key, String.valueOf(value));
      }
    });
    return properties;
  }

  private static int members(final Map<String, Object> kafka, final String group) {
    try (Admin admin = Admin.create(kafka)) {
      final ConsumerGroupDescription description =
          admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
      return description.members().size();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return 0;
      }
      throw new Refused("cannot describe the group " + group + ": " + e.getCause().getMessage());
    } catch (Exception e) {
      throw new Refused("cannot describe the group " + group + ": " + e.getMessage());
    }
  }

  private static long delete(final Path dir) {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      final List<Path> all = files.sorted(Comparator.reverseOrder()).toList();
      final long regular = all.stream().filter(Files::isRegularFile).count();
      for (final Path file : all) {
        Files.delete(file);
      }
      return regular;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
