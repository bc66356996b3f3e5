package wxfunnel.topology;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Conversion;
import wxfunnel.events.ConversionStatus;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.events.ModelAttribution;
import wxfunnel.events.TouchType;
import wxfunnel.events.UnattributedReason;

/** Literal expected outputs, written out field by field. */
final class Expected {

  private Expected() {}

  static CreditedTouch touch(final TouchType type, final String eventId, final String campaign, final String msgId,
      final String scene, final Instant at, final double weight, final Instant paidAt) {
    return new CreditedTouch(type, eventId, campaign, msgId, scene, at, weight, paidAt.toEpochMilli() - at.toEpochMilli());
  }

  static Conversion attributed(final Ecosystem eco, final String transactionId, final long amount, final String currency,
      final Instant paidAt, final List<CreditedTouch> last, final List<CreditedTouch> first,
      final List<CreditedTouch> linear, final List<CreditedTouch> positionBased) {
    return new Conversion(transactionId, eco, amount, currency, paidAt, ConversionStatus.ATTRIBUTED, null, List.of(
        new ModelAttribution(AttributionModel.LAST_TOUCH, last),
        new ModelAttribution(AttributionModel.FIRST_TOUCH, first),
        new ModelAttribution(AttributionModel.LINEAR, linear),
        new ModelAttribution(AttributionModel.POSITION_BASED, positionBased)), null, 0L);
  }

  /** A conversion credited to a single touch: every model gives it all. */
  static Conversion single(final Ecosystem eco, final String transactionId, final long amount, final String currency,
      final Instant paidAt, final CreditedTouch only) {
    return attributed(eco, transactionId, amount, currency, paidAt, List.of(only), List.of(only), List.of(only), List.of(only));
  }

  static Conversion unattributed(final Ecosystem eco, final String transactionId, final long amount, final String currency,
      final Instant paidAt, final UnattributedReason reason) {
    return new Conversion(transactionId, eco, amount, currency, paidAt, ConversionStatus.UNATTRIBUTED, reason, List.of(
        new ModelAttribution(AttributionModel.LAST_TOUCH, List.of()),
        new ModelAttribution(AttributionModel.FIRST_TOUCH, List.of()),
        new ModelAttribution(AttributionModel.LINEAR, List.of()),
        new ModelAttribution(AttributionModel.POSITION_BASED, List.of())), null, 0L);
  }

  static FunnelRow row(final Ecosystem eco, final String campaign, final String day, final String timeZone,
      final long touched, final long coupon, final long paid, final Map<String, Long> gmv, final boolean isFinal) {
    return row(eco, campaign, day, timeZone, touched, coupon, paid, gmv, Map.of(), isFinal);
  }

  /**
   * A row whose campaign was also credited, under the configured model, by payments of its day.
   * Every paid user of these rows paid in each currency of its GMV: those are its payers (else see
   * {@link #withPayers}).
   */
  static FunnelRow row(final Ecosystem eco, final String campaign, final String day, final String timeZone,
      final long touched, final long coupon, final long paid, final Map<String, Long> gmv, final Map<String, Long> attributedGmv,
      final boolean isFinal) {
    final Map<String, Long> payers = new TreeMap<>();
    gmv.keySet().forEach(currency -> payers.put(currency, paid));
    return new FunnelRow(eco, campaign, LocalDate.parse(day), timeZone, touched, coupon, paid, gmv, payers, attributedGmv,
        isFinal);
  }

  /** {@code row} with other payers per currency than its paid users. */
  static FunnelRow withPayers(final FunnelRow row, final Map<String, Long> payers) {
    return FunnelRow.newBuilder(row).setPayers(payers).build();
  }

  /**
   * {@code conversion} paid by the person of {@code personKey} (DESIGN: unionid, else app id and
   * openid): its payer is the first 8 bytes of the key's SHA-256, in hex.
   */
  static Conversion paidBy(final String personKey, final Conversion conversion) {
    try {
      final byte[] digest = MessageDigest.getInstance("SHA-256").digest(personKey.getBytes(StandardCharsets.UTF_8));
      return Conversion.newBuilder(conversion).setPayer(HexFormat.of().formatHex(digest, 0, 8)).build();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
