package wxfunnel.egress;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentKind;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.FunnelRow;

/**
 * What of one ecosystem's numbers may cross its wall (DESIGN 6a): everything shared (the business
 * metrics, {@code replay --compare}, the demo's view and summary) goes through one of these, one
 * per ecosystem. A number is a {@link Cell}: its value and how many distinct persons at least
 * stand behind it. Three rules, with {@code k} the minimum of persons per cell:
 *
 * <ol>
 *   <li><b>Threshold.</b> A campaign's cell backed by fewer than {@code k} persons is not shown on
 *       its own: it folds into {@code campaign="other"} of the same other labels. When {@code
 *       other} is still under {@code k}, the smallest cells never shown fold into it too, until it
 *       meets {@code k} (complementary suppression: a total minus the shown cells is {@code
 *       other}, never a small cell); when they cannot, {@code other} is not shown. The persons of
 *       {@code other} are those of its largest member: a person may be in several. A campaign
 *       once shown stays shown, at its last release while it is under {@code k}.
 *   <li><b>Steps.</b> A shown value changes only when its persons moved by at least {@code k}
 *       since it was last released, and its value by at least {@code k} too; until then the last
 *       released value stays, so that the difference of two scrapes never isolates fewer than
 *       {@code k} persons.
 *   <li><b>Money follows persons.</b> Money is a cell like any other, backed by its payers: a
 *       cell under {@code k} payers is never released.
 * </ol>
 *
 * Several readers of the outputs may share one egress (the demo's screen and {@code /metrics}):
 * each says how far it has read, and only one that has read at least as far as the last release,
 * on every partition both read, releases anything; the others get the last release. So releases
 * follow the outputs forward, never back to an older reading. Inside the wall (the ecosystem's
 * topics, DLQ and state) numbers stay exact.
 */
public final class Egress {

  public static final int DEFAULT_MIN_CELL_USERS = 10;
  public static final int DEFAULT_TOP_CAMPAIGNS = 20;
  public static final int LOWEST_MIN_CELL_USERS = 3;
  public static final String OTHER = "other";
  /** What a content id must look like to be a label of its own (the egress manifest's {@code content}). */
  private static final Pattern PLAIN_LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** A number computed inside the wall, and how many distinct persons at least stand behind it. */
  public record Cell(double value, long persons) {

    /** Both together: their values added, backed by the persons of the larger one at least. */
    public Cell plus(final Cell other) {
      return new Cell(value + other.value, Math.max(persons, other.persons));
    }

    boolean isEmpty() {
      return value == 0 && persons == 0;
    }
  }

  private final int k;
  private final TopLabels campaigns;
  private final Map<ContentKind, TopLabels> contents = new EnumMap<>(ContentKind.class);
  /** Per family of cells, the cells last released, by labels: each stays until {@code k} persons move it. */
  private final Map<String, Map<List<String>, Cell>> released = new HashMap<>();
  /** Per family, what its last release showed. */
  private final Map<String, Map<List<String>, Double>> shown = new HashMap<>();
  /** How far the readers behind the releases so far had read, per partition. */
  private final Map<TopicPartition, Long> newest = new HashMap<>();

  /**
   * An egress of cells backed by at least {@code minCellUsers} persons, naming at most about {@code
   * topCampaigns} campaigns, and half as many pieces of content of each kind.
   */
  public Egress(final int minCellUsers, final int topCampaigns) {
    this.k = checked(minCellUsers);
    this.campaigns = new TopLabels(topCampaigns);
    for (final ContentKind kind : ContentKind.values()) {
      // Half as many pieces of content of each kind (articles, scenes, coupons) as campaigns, for 3 kinds.
      contents.put(kind, new TopLabels(Math.max(1, topCampaigns / 2)));
    }
  }

  /** {@code minCellUsers}, if it is at least {@link #LOWEST_MIN_CELL_USERS}. */
  public static int checked(final int minCellUsers) {
    if (minCellUsers < LOWEST_MIN_CELL_USERS) {
      throw new IllegalArgumentException("--min-cell-users must be at least " + LOWEST_MIN_CELL_USERS + ", not " + minCellUsers);
    }
    return minCellUsers;
  }

  /** Ranks the campaigns of {@code rows}, read up to {@code asOf}, again for {@link #label}; unless an older reading. */
  public synchronized void rank(final Iterable<FunnelRow> rows, final Map<TopicPartition, Long> asOf) {
    if (advance(asOf)) {
      campaigns.update(rows);
    }
  }

  /** The label of {@code campaign}: its own id for the top campaigns, else {@code other}; bounded, for every reader. */
  public synchronized String label(final String campaign) {
    return campaigns.label(campaign);
  }

  /**
   * Ranks the content of {@code rows}, read up to {@code asOf}, again for {@link #contentLabel}: per
   * kind, by the payments credited to it under {@code model} recently; unless an older reading.
   */
  public synchronized void rankContent(final Collection<ContentPerformance> rows, final AttributionModel model,
      final Map<TopicPartition, Long> asOf) {
    if (advance(asOf)) {
      contents.forEach((kind, labels) -> {
        final Map<String, Long> scores = Cells.recentConversions(rows, kind, model);
        scores.keySet().removeIf(id -> !isPlainLabel(id));
        labels.rank(scores);
      });
    }
  }

  /**
   * The label of a piece of content: its own id for the top ones of its kind, else {@code other};
   * bounded, for every reader. An id that is not a plain label (a scene_str may hold any text), or
   * is {@code other} itself, is never named.
   */
  public synchronized String contentLabel(final ContentKind kind, final String id) {
    return isPlainLabel(id) ? contents.get(kind).label(id) : OTHER;
  }

  private static boolean isPlainLabel(final String id) {
    return PLAIN_LABEL.matcher(id).matches() && !id.equals(OTHER);
  }

  /**
   * The values of {@code family}'s cells that may leave, when each is a piece of content of its
   * own and none is summed into {@code other}: those backed by at least {@code k} persons, or
   * released before, each in its steps (rule 2). Money then never moves between a series and
   * {@code other} (content gains and loses its label all the time), where the next release of
   * {@code other} less the moved value would be the change of the few left in it; nothing is
   * subtracted from a total, so nothing else is withheld.
   */
  public synchronized Map<List<String>, Double> releaseNamed(final String family, final Map<List<String>, Cell> cells,
      final Map<TopicPartition, Long> asOf) {
    if (!advance(asOf)) {
      return lastShown(family);
    }
    final Map<List<String>, Cell> shownBefore = released.getOrDefault(family, Map.of());
    final Map<List<String>, Cell> shown = new TreeMap<>(Comparator.comparing(Object::toString));
    cells.forEach((labels, cell) -> {
      if (cell.persons() >= k || shownBefore.containsKey(labels)) {
        shown.put(labels, cell);
      }
    });
    return step(family, shown);
  }

  public int minCellUsers() {
    return k;
  }

  /**
   * The values of {@code family}'s cells, computed from the outputs read up to {@code asOf}, that
   * may leave, by labels. Label {@code campaignAt} of each cell is its campaign, which a small cell
   * folds away from.
   */
  public synchronized Map<List<String>, Double> release(final String family, final Map<List<String>, Cell> cells,
      final int campaignAt, final Map<TopicPartition, Long> asOf) {
    if (!advance(asOf)) {
      return lastShown(family);
    }
    final Map<List<String>, Cell> folded = new LinkedHashMap<>();
    final Map<List<String>, Cell> shownBefore = released.getOrDefault(family, Map.of());
    groups(cells, campaignAt).forEach((otherLabels, group) -> folded.putAll(fold(otherLabels, group, shownBefore)));
    return step(family, folded);
  }

  /**
   * The values of {@code family}'s cells that may leave, when they have no campaign to fold into
   * (statuses that add up to a total, the buckets of a histogram): none while one of them is backed
   * by fewer than {@code k} persons, as the others would give it away; each in steps, as for
   * {@link #release}.
   */
  public synchronized Map<List<String>, Double> releaseAll(final String family, final Map<List<String>, Cell> cells,
      final Map<TopicPartition, Long> asOf) {
    if (!advance(asOf)) {
      return lastShown(family);
    }
    return step(family, anySmall(cells) ? Map.of() : cells);
  }

  /**
   * The values of {@code family}'s cells that may leave together (the buckets, count and sum of a
   * histogram, whose buckets less the ones below and whose count a reader subtracts from each
   * other): none while one of them is backed by fewer than {@code k} persons; then the last
   * released ones, until every cell kept its value or moved enough, and all move at once.
   */
  public synchronized Map<List<String>, Double> releaseTogether(final String family, final Map<List<String>, Cell> cells,
      final Map<TopicPartition, Long> asOf) {
    if (!advance(asOf)) {
      return lastShown(family);
    }
    final Map<List<String>, Cell> before = released.get(family);
    final Cell none = new Cell(0, 0);
    if (!anySmall(cells) && (before == null || cells.entrySet().stream()
        .allMatch(cell -> movedEnough(before.getOrDefault(cell.getKey(), none), cell.getValue())))) {
      released.put(family, new HashMap<>(cells));
    }
    shown.put(family, values(released.getOrDefault(family, Map.of())));
    return lastShown(family);
  }

  private boolean anySmall(final Map<List<String>, Cell> cells) {
    return cells.values().stream().anyMatch(this::isSmall);
  }

  /**
   * Whether a reader at {@code asOf} has read at least as far as every release so far, on each
   * partition both read; if so, releases are as of there from now on.
   */
  private boolean advance(final Map<TopicPartition, Long> asOf) {
    final boolean ahead = asOf.entrySet().stream().allMatch(p -> p.getValue() >= newest.getOrDefault(p.getKey(), 0L));
    if (ahead) {
      asOf.forEach((partition, offset) -> newest.merge(partition, offset, Math::max));
    }
    return ahead;
  }

  private Map<List<String>, Double> lastShown(final String family) {
    return shown.getOrDefault(family, Map.of());
  }

  /**
   * Whether a cell kept its value, or moved by at least {@code k} persons and by at least {@code
   * k} in its own unit: a count of {@code other} (campaigns whose persons overlap, some leaving it
   * as they grow) may move by less than its persons did, and the count is what a reader subtracts.
   */
  private boolean movedEnough(final Cell before, final Cell now) {
    return before.value() == now.value()
        || Math.abs(now.persons() - before.persons()) >= k && Math.abs(now.value() - before.value()) >= k;
  }

  /** The cells by their labels other than the campaign: by the labels of their {@code other}. */
  private static Map<List<String>, Map<List<String>, Cell>> groups(final Map<List<String>, Cell> cells, final int campaignAt) {
    final Map<List<String>, Map<List<String>, Cell>> groups = new TreeMap<>(Comparator.comparing(Object::toString));
    cells.forEach((labels, cell) -> {
      final List<String> other = new ArrayList<>(labels);
      other.set(campaignAt, OTHER);
      groups.computeIfAbsent(List.copyOf(other), o -> new TreeMap<>(Comparator.comparing(Object::toString))).put(labels, cell);
    });
    return groups;
  }

  /**
   * Rule 1 on the cells of one group: those shown, the small ones folded into the group's {@code
   * other}. A campaign shown before stays shown, at its last release while under {@code k}: folded
   * into {@code other}, it would be {@code other} less what the campaigns with it last showed. For
   * the same reason only campaigns never shown may join {@code other} to make it meet {@code k};
   * when they cannot, {@code other} is not shown.
   */
  private Map<List<String>, Cell> fold(final List<String> otherLabels, final Map<List<String>, Cell> group,
      final Map<List<String>, Cell> shownBefore) {
    final Map<List<String>, Cell> named = new TreeMap<>(Comparator.comparing(Object::toString));
    Cell other = null;
    for (final Map.Entry<List<String>, Cell> entry : group.entrySet()) {
      final boolean small = entry.getValue().persons() < k && !shownBefore.containsKey(entry.getKey());
      // A cell of nobody folds too: its campaign's name alone would say that it has fewer than k persons.
      if (small || entry.getKey().equals(otherLabels)) {
        other = other == null ? entry.getValue() : other.plus(entry.getValue());
      } else {
        named.put(entry.getKey(), entry.getValue());
      }
    }
    while (other != null && isSmall(other)) {
      final Optional<List<String>> smallest = named.entrySet().stream().filter(e -> !shownBefore.containsKey(e.getKey()))
          .min(Comparator.comparingLong((Map.Entry<List<String>, Cell> e) -> e.getValue().persons())
              .thenComparing(e -> e.getKey().toString()))
          .map(Map.Entry::getKey);
      if (smallest.isEmpty()) {
        break;
      }
      other = other.plus(named.remove(smallest.get()));
    }
    if (other != null && !isSmall(other)) {
      named.put(otherLabels, other);
    }
    return named;
  }

  private boolean isSmall(final Cell cell) {
    return !cell.isEmpty() && cell.persons() < k;
  }

  /**
   * Rule 2: per shown cell, the value last released, replaced once it moved enough. A cell no
   * longer shown keeps its last release, so that one shown again does not move by less than
   * {@code k} persons either.
   */
  private Map<List<String>, Double> step(final String family, final Map<List<String>, Cell> cells) {
    final Map<List<String>, Cell> last = released.computeIfAbsent(family, f -> new HashMap<>());
    final Map<List<String>, Cell> now = new TreeMap<>(Comparator.comparing(Object::toString));
    cells.forEach((labels, cell) -> {
      final Cell before = last.get(labels);
      if (before == null || movedEnough(before, cell) && !isSmall(cell)) {
        last.put(labels, cell);
      }
      now.put(labels, last.get(labels));
    });
    shown.put(family, values(now));
    return lastShown(family);
  }

  private static Map<List<String>, Double> values(final Map<List<String>, Cell> cells) {
    final Map<List<String>, Double> values = new TreeMap<>(Comparator.comparing(Object::toString));
    cells.forEach((labels, cell) -> values.put(labels, cell.value()));
    return values;
  }
}
