package wxfunnel.topics;

import java.util.Locale;
import java.util.Optional;

/**
 * The keys of the ledger: the store, and its changelog, in which each task of a processor counts
 * the outcome of every input record it decided on, keeps its clocks, how far it has audited the
 * catalog, and the persons it holds in state. A count is {@code <outcome>.<EVENT KIND>}, e.g.
 * {@code accepted.PAYMENT}; each task writes its own keys, so a total is the sum over the
 * changelog's partitions.
 */
public final class Ledger {

  /** The kind under which catalog records (articles) are counted, beside the event kinds. */
  public static final String ARTICLE = "ARTICLE";
  /** How many persons the task holds in state: up on a person's first save, down when swept. */
  public static final String PERSONS_IN_STATE = "state.persons";
  /** The prefix of the task's input clocks, {@code clock.<partition>.<kind>}, and of what it announced. */
  public static final String CLOCKS = "clock.";
  /** The watermark a person task last told the funnel rows; under the clocks' prefix, which no count is read under. */
  public static final String ANNOUNCED = CLOCKS + "announced";
  /** The prefix of the last catalog offset audited, {@code catalog.audited.<partition>}. */
  public static final String AUDITED = "catalog.audited.";

  /** What a task did with a valid input record. */
  public enum Outcome {
    /** Taken into the person's state. */
    ACCEPTED,
    /** Seen before: changes nothing. */
    DUPLICATE,
    /** Behind its partition's clock by more than the grace: dead-lettered. */
    LATE,
    /** An accepted touch that the cap on touches per person let go. */
    CAPPED;

    /** The ledger key of this outcome for records of {@code kind}, an event kind's name. */
    public String key(final String kind) {
      return prefix() + kind;
    }

    private String prefix() {
      return name().toLowerCase(Locale.ROOT) + ".";
    }
  }

  /** A count of the ledger: records of {@code kind} (an event kind) that had {@code outcome}. */
  public record Count(Outcome outcome, String kind) {

    /** The count a ledger key holds; empty for the task's bookkeeping. */
    public static Optional<Count> of(final String key) {
      for (final Outcome outcome : Outcome.values()) {
        if (key.startsWith(outcome.prefix()) && key.length() > outcome.prefix().length()) {
          return Optional.of(new Count(outcome, key.substring(outcome.prefix().length())));
        }
      }
      return Optional.empty();
    }
  }

  private Ledger() {}

  /** The key of how far catalog partition {@code partition} has been audited. */
  public static String audited(final int partition) {
    return AUDITED + partition;
  }

  /**
   * Whether a key is the task's own bookkeeping (its clocks, how far it has audited the catalog,
   * the persons it holds), which depends on when it ran, not a count of its inputs.
   */
  public static boolean isBookkeeping(final String key) {
    return Count.of(key).isEmpty();
  }
}
