package wxfunnel.topology;

import org.apache.kafka.streams.state.KeyValueStore;
import wxfunnel.internal.EventKind;
import wxfunnel.internal.PaymentVerdict;
import wxfunnel.topics.Ledger;
import wxfunnel.topics.Ledger.Outcome;

/**
 * What the person step counts in its ledger: per kind of event, the records accepted, the
 * duplicates and the LATE ones, and the touches the cap dropped; and the persons it holds in state
 * ({@link Ledger#PERSONS_IN_STATE}).
 */
final class PersonCounts {

  private final KeyValueStore<String, Long> ledger;

  PersonCounts(final KeyValueStore<String, Long> ledger) {
    this.ledger = ledger;
  }

  /** A record taken in; a retracted payment turns from accepted into a duplicate. */
  void taken(final EventKind kind, final PaymentVerdict verdict) {
    if (verdict == PaymentVerdict.RETRACTED) {
      add(Outcome.ACCEPTED, kind, -1);
      add(Outcome.DUPLICATE, kind, 1);
    } else {
      add(Outcome.ACCEPTED, kind, 1);
    }
  }

  /** A record refused as a duplicate or as LATE. */
  void refused(final EventKind kind, final PaymentVerdict verdict) {
    add(verdict == PaymentVerdict.LATE ? Outcome.LATE : Outcome.DUPLICATE, kind, 1);
  }

  /** A touch the cap dropped. */
  void capped(final EventKind kind) {
    add(Outcome.CAPPED, kind, 1);
  }

  /** Persons come into state (up) or swept from it (down). */
  void persons(final long delta) {
    add(Ledger.PERSONS_IN_STATE, delta);
  }

  private void add(final Outcome outcome, final EventKind kind, final long delta) {
    add(outcome.key(kind.name()), delta);
  }

  private void add(final String what, final long delta) {
    final Long count = ledger.get(what);
    ledger.put(what, count == null ? delta : count + delta);
  }
}
