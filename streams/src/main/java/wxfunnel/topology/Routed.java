package wxfunnel.topology;

import wxfunnel.events.Conversion;
import wxfunnel.internal.ContentDelta;
import wxfunnel.internal.FunnelDelta;
import wxfunnel.internal.PersonEvent;

/** What a processor hands on, each kind to its own branch and topic. */
sealed interface Routed {

  /** A valid event, on its way to its person. */
  record Accepted(PersonEvent event) implements Routed {}

  /** Original bytes for the DLQ; the record's headers say why. */
  record Rejected(byte[] key, byte[] value) implements Routed {}

  /**
   * A payment's attribution, new or revised; {@code gated} when another copy of the payment may
   * decide it instead (the copy has no unionid, or took the place of one that had none).
   */
  record Converted(Conversion conversion, boolean gated) implements Routed {}

  /** A change to a funnel row. */
  record Changed(FunnelDelta delta) implements Routed {}

  /** A change to a content row. */
  record ContentChanged(ContentDelta delta) implements Routed {}
}
