package wxfunnel.topology;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Conversion;
import wxfunnel.events.ConversionStatus;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.ModelAttribution;
import wxfunnel.events.TouchType;
import wxfunnel.events.UnattributedReason;
import wxfunnel.internal.PaymentRef;
import wxfunnel.internal.Touch;

/** Credits a payment's touches under every model. Pure: the same touches give the same result. */
final class Attribution {

  static final Comparator<Touch> TOUCH_ORDER = Comparator.comparingLong(Touch::getTime).thenComparing(Touch::getEventId);
  static final Comparator<PaymentRef> PAYMENT_ORDER =
      Comparator.comparingLong(PaymentRef::getTime).thenComparing(PaymentRef::getTransactionId);
  private static final double POSITION_ENDS = 0.4;
  private static final double POSITION_MIDDLE = 0.2;
  /** Sorts before every campaign id in {@link #split}'s ties: the share of touches without a campaign. */
  private static final String NO_CAMPAIGN = "";

  private Attribution() {}

  /**
   * The payment's conversion from the person's touches: those at most {@code lookback} before the
   * payment, and not after it. {@code notConsidered} touches of the person were dropped by the cap.
   */
  static Conversion convert(final Ecosystem ecosystem, final PaymentRef payment, final List<Touch> touches, final Duration lookback,
      final long notConsidered) {
    final List<Touch> credited = inLookback(payment, touches, lookback);
    final List<ModelAttribution> attributions = new ArrayList<>();
    for (final AttributionModel model : AttributionModel.values()) {
      attributions.add(new ModelAttribution(model, credit(model, credited, payment.getTime())));
    }
    return Conversion.newBuilder()
        .setTransactionId(payment.getTransactionId())
        .setEcosystem(ecosystem)
        .setAmount(payment.getAmount())
        .setCurrency(payment.getCurrency())
        .setPaidAt(Instant.ofEpochMilli(payment.getTime()))
        .setStatus(credited.isEmpty() ? ConversionStatus.UNATTRIBUTED : ConversionStatus.ATTRIBUTED)
        .setUnattributedReason(credited.isEmpty()
            ? (payment.getHasUnionid() ? UnattributedReason.NO_TOUCH : UnattributedReason.NO_UNIONID)
            : null)
        .setAttributions(attributions)
        .setTouchesNotConsidered(notConsidered)
        .build();
  }

  /**
   * The pseudonym of {@code person} in its conversions: the first 8 bytes of the SHA-256 of the
   * person key, in hex. It lets the egress count the distinct persons behind a number made of
   * conversions; it stays inside the wall, with the conversions.
   */
  static String payer(final String person) {
    try {
      final byte[] digest = MessageDigest.getInstance("SHA-256").digest(person.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The touches a payment credits: those at most {@code lookback} before it, and not after it, oldest first. */
  static List<Touch> inLookback(final PaymentRef payment, final List<Touch> touches, final Duration lookback) {
    final long from = payment.getTime() - lookback.toMillis();
    return touches.stream()
        .filter(t -> t.getTime() >= from && t.getTime() <= payment.getTime())
        .sorted(TOUCH_ORDER)
        .toList();
  }

  /**
   * The payment's {@code amount} split over the campaigns of its {@code touches} (oldest first) under
   * {@code model}, to the minor unit: each campaign gets its exact share rounded down, and the units
   * left go one each to the largest remainders (ties: the campaign id that sorts first). The share
   * of touches without a campaign takes part in the rounding and is left out of the result, so the
   * campaigns get exactly the amount less that share.
   */
  static Map<String, Long> split(final AttributionModel model, final List<Touch> touches, final long amount) {
    return split(model, touches, amount, Touch::getCampaignId);
  }

  /** {@link #split(AttributionModel, List, long)} over what {@code key} says a touch is of (null: nothing). */
  static Map<String, Long> split(final AttributionModel model, final List<Touch> touches, final long amount,
      final Function<Touch, String> key) {
    final int n = touches.size();
    if (n == 0) {
      return new TreeMap<>();
    }
    final Map<String, Long> numerators = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      final String of = key.apply(touches.get(i));
      numerators.merge(of == null ? NO_CAMPAIGN : of, numerator(model, i, n), Long::sum);
    }
    final BigInteger denominator = BigInteger.valueOf(denominator(model, n));
    final Map<String, Long> shares = new TreeMap<>();
    final Map<String, BigInteger> remainders = new HashMap<>();
    long left = amount;
    for (final Map.Entry<String, Long> campaign : numerators.entrySet()) {
      final BigInteger[] share = BigInteger.valueOf(amount).multiply(BigInteger.valueOf(campaign.getValue())).divideAndRemainder(denominator);
      shares.put(campaign.getKey(), share[0].longValueExact());
      remainders.put(campaign.getKey(), share[1]);
      left -= share[0].longValueExact();
    }
    final List<String> byRemainder = new ArrayList<>(shares.keySet());
    byRemainder.sort(Comparator.comparing(remainders::get, Comparator.reverseOrder()));
    for (int i = 0; i < left; i++) {
      shares.merge(byRemainder.get(i), 1L, Long::sum);
    }
    shares.remove(NO_CAMPAIGN);
    shares.values().removeIf(share -> share == 0);
    return shares;
  }

  /** Touch {@code i}'s weight of {@code n} is this over {@link #denominator}: the same weights as {@link #weight}, exact. */
  private static long numerator(final AttributionModel model, final int i, final int n) {
    return switch (model) {
      case LAST_TOUCH -> i == n - 1 ? 1 : 0;
      case FIRST_TOUCH -> i == 0 ? 1 : 0;
      case LINEAR -> 1;
      case POSITION_BASED -> n <= 2 ? 1 : i == 0 || i == n - 1 ? 2L * (n - 2) : 1;
    };
  }

  private static long denominator(final AttributionModel model, final int n) {
    return switch (model) {
      case LAST_TOUCH, FIRST_TOUCH -> 1;
      case LINEAR -> n;
      case POSITION_BASED -> n <= 2 ? n : 5L * (n - 2);
    };
  }

  private static List<CreditedTouch> credit(final AttributionModel model, final List<Touch> touches, final long paidAt) {
    final int n = touches.size();
    final List<CreditedTouch> credited = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      final double weight = weight(model, i, n);
      if (weight > 0) {
        credited.add(creditedTouch(touches.get(i), weight, paidAt));
      }
    }
    return credited;
  }

  /** The share of touch {@code i} of {@code n} (oldest first). */
  static double weight(final AttributionModel model, final int i, final int n) {
    return switch (model) {
      case LAST_TOUCH -> i == n - 1 ? 1.0 : 0.0;
      case FIRST_TOUCH -> i == 0 ? 1.0 : 0.0;
      case LINEAR -> 1.0 / n;
      case POSITION_BASED -> {
        if (n == 1) {
          yield 1.0;
        }
        if (n == 2) {
          yield 0.5;
        }
        yield i == 0 || i == n - 1 ? POSITION_ENDS : POSITION_MIDDLE / (n - 2);
      }
    };
  }

  private static CreditedTouch creditedTouch(final Touch touch, final double weight, final long paidAt) {
    return CreditedTouch.newBuilder()
        .setTouchType(switch (touch.getKind()) {
          case READ -> TouchType.READ;
          case SCAN -> TouchType.SCAN;
          case COUPON -> TouchType.COUPON;
          case PAYMENT, CLOCK -> throw new IllegalArgumentException(touch.getKind() + " is not a touch");
        })
        .setEventId(touch.getEventId())
        .setCampaignId(touch.getCampaignId())
        .setMsgId(touch.getMsgId())
        .setSceneStr(touch.getSceneStr())
        .setTouchTime(Instant.ofEpochMilli(touch.getTime()))
        .setWeight(weight)
        .setTimeToConvertMs(paidAt - touch.getTime())
        .build();
  }
}
