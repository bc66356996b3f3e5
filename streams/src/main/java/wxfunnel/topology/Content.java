package wxfunnel.topology;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentKind;
import wxfunnel.internal.ContentCredit;
import wxfunnel.internal.PaymentRef;
import wxfunnel.internal.Touch;

/**
 * The content a touch is of (a read's article, a scan's QR scene, a click's coupon card), the
 * rows of content performance (one per content and day of touch), and what a payment credits to
 * each row under every model.
 */
final class Content {

  private static final char SEPARATOR = '|';
  /** {@code yyyy-MM-dd}. */
  private static final int DAY_LENGTH = 10;

  private Content() {}

  /** The content-performance topic's key: {@code <kind>|<id>|<yyyy-MM-dd>}. */
  static String rowKey(final ContentKind kind, final String id, final LocalDate day) {
    return kind.name() + SEPARATOR + id + SEPARATOR + day;
  }

  static ContentKind kind(final String row) {
    return ContentKind.valueOf(row.substring(0, row.indexOf(SEPARATOR)));
  }

  /** The id between the kind and the day: it may hold the separator itself. */
  static String id(final String row) {
    return row.substring(row.indexOf(SEPARATOR) + 1, row.length() - DAY_LENGTH - 1);
  }

  static LocalDate day(final String row) {
    return LocalDate.parse(row.substring(row.length() - DAY_LENGTH));
  }

  /** The row of {@code touch}; null for a touch kept before touches knew their coupon card. */
  static String rowOf(final Touch touch, final ZoneId zone) {
    final LocalDate day = Instant.ofEpochMilli(touch.getTime()).atZone(zone).toLocalDate();
    return switch (touch.getKind()) {
      case READ -> rowKey(ContentKind.ARTICLE, touch.getMsgId(), day);
      case SCAN -> rowKey(ContentKind.SCENE, touch.getSceneStr(), day);
      case COUPON -> touch.getCardId() == null ? null : rowKey(ContentKind.COUPON, touch.getCardId(), day);
      case PAYMENT, CLOCK -> throw new IllegalArgumentException(touch.getKind() + " is not a touch");
    };
  }

  /**
   * What {@code payment} credits to each content row under every model, from the touches it
   * credits ({@code credited}, oldest first): the amount split over the rows to the minor unit
   * ({@link Attribution#split}), and the time to convert of each touch the model gives a weight.
   */
  static List<ContentCredit> credits(final PaymentRef payment, final List<Touch> credited, final ZoneId zone) {
    final List<ContentCredit> credits = new ArrayList<>();
    final int n = credited.size();
    for (final AttributionModel model : AttributionModel.values()) {
      final Map<String, List<Long>> times = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        final String row = rowOf(credited.get(i), zone);
        if (row != null && Attribution.weight(model, i, n) > 0) {
          times.computeIfAbsent(row, r -> new ArrayList<>()).add(payment.getTime() - credited.get(i).getTime());
        }
      }
      final Map<String, Long> amounts = Attribution.split(model, credited, payment.getAmount(), touch -> rowOf(touch, zone));
      times.forEach((row, rowTimes) -> credits.add(new ContentCredit(row, model, amounts.getOrDefault(row, 0L), rowTimes)));
    }
    return credits;
  }
}
