package wxfunnel.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import wxfunnel.egress.Egress.Cell;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentKind;
import wxfunnel.events.ContentModelCredit;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;

/** The persons behind funnel numbers, worked out by hand from rows, with a 7-day conversion window. */
class CellsTest {

  private static final Duration WEEK = Duration.ofDays(7);

  @Test
  void rowsWithinOneWindowAddUpToTheirPersons() {
    // Two cohort days: nobody starts two journeys of a campaign within 7 days.
    final List<FunnelRow> rows = List.of(row("a", "2026-11-20", 12, 4, Map.of("CNY", 4L)),
        row("a", "2026-11-21", 9, 3, Map.of("CNY", 2L, "USD", 1L)));
    assertThat(Cells.funnelUsers(rows, WEEK).cells()).containsEntry(List.of("a", "touched"), new Cell(21, 21))
        .containsEntry(List.of("a", "paid"), new Cell(7, 7));
    assertThat(Cells.gmv(rows, WEEK).cells()).containsEntry(List.of("a", "CNY"), new Cell(600, 6))
        .containsEntry(List.of("a", "USD"), new Cell(100, 1));
  }

  @Test
  void aPersonComingBackEveryWindowCountsOnceOverTheJourneysShePossiblyStarted() {
    // One person paying every 8 days is nine rows of one payer each over 65 days, in which one
    // person starts at most ceil((65 days + 1 h) / 7 days) = 10 journeys.
    final List<FunnelRow> rows = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      rows.add(row("vip", LocalDate.parse("2026-09-01").plusDays(8L * i).toString(), 1, 1, Map.of("CNY", 1L)));
    }
    assertThat(Cells.journeysAtMost(rows, WEEK)).isEqualTo(10);
    assertThat(Cells.gmv(rows, WEEK).cells()).containsEntry(List.of("vip", "CNY"), new Cell(900, 1));
    assertThat(Cells.funnelUsers(rows, WEEK).cells()).containsEntry(List.of("vip", "touched"), new Cell(9, 1));
  }

  @Test
  void rowsWrittenBeforePayersWereCountedBackNoMoney() {
    final FunnelRow old = FunnelRow.newBuilder(row("a", "2026-11-20", 50, 20, Map.of())).setGmv(Map.of("CNY", 9_000L))
        .setPayers(Map.of("CNY", -1L)).build();
    assertThat(Cells.gmv(List.of(old), WEEK).cells()).containsEntry(List.of("a", "CNY"), new Cell(9_000, 0));
  }

  @Test
  void contentMoneyIsTheLatestDaysUnderTheModelEachRowBackedByItsPayers() {
    // The latest day is the 21st: 100_1's row of the 20th is left out; 100_2 has no label of its
    // own, and is left out too (not summed into other). First touch has the same money here, and
    // is not asked for.
    final List<ContentPerformance> rows = List.of(content(ContentKind.ARTICLE, "100_1", "2026-11-20", 1_200, 12),
        content(ContentKind.ARTICLE, "100_1", "2026-11-21", 500, 5), content(ContentKind.ARTICLE, "100_2", "2026-11-21", 300, 3),
        content(ContentKind.COUPON, "p1", "2026-11-21", 700, 7));
    final Map<List<String>, Cell> cells = Cells.contentGmv(rows, AttributionModel.LAST_TOUCH,
        (kind, id) -> id.equals("100_2") ? Egress.OTHER : id);
    assertThat(cells).isEqualTo(Map.of(
        List.of("article", "100_1", "last_touch", "CNY", "2026-11-21"), new Cell(500, 5),
        List.of("coupon", "p1", "last_touch", "CNY", "2026-11-21"), new Cell(700, 7)));
  }

  @Test
  void contentRanksByItsPaymentsUnderTheModelOverTheLastSevenDays() {
    final List<ContentPerformance> rows = List.of(content(ContentKind.ARTICLE, "old", "2026-11-14", 9_000, 90),
        content(ContentKind.ARTICLE, "old", "2026-11-21", 100, 1), content(ContentKind.ARTICLE, "new", "2026-11-15", 200, 2),
        content(ContentKind.SCENE, "s", "2026-11-21", 500, 5));
    // Each row's payers pay once each under last touch; nothing is credited under linear
    assertThat(Cells.recentConversions(rows, ContentKind.ARTICLE, AttributionModel.LAST_TOUCH)).isEqualTo(Map.of("old", 1L, "new", 2L));
    assertThat(Cells.recentConversions(rows, ContentKind.SCENE, AttributionModel.LAST_TOUCH)).isEqualTo(Map.of("s", 5L));
    assertThat(Cells.recentConversions(rows, ContentKind.SCENE, AttributionModel.LINEAR)).isEqualTo(Map.of("s", 0L));
  }

  /** A content row whose {@code payers} each paid once, crediting {@code fen} CNY under last touch and first touch. */
  private static ContentPerformance content(final ContentKind kind, final String id, final String day, final long fen,
      final long payers) {
    final List<ContentModelCredit> credits = new ArrayList<>();
    for (final AttributionModel model : AttributionModel.values()) {
      final boolean credited = model == AttributionModel.LAST_TOUCH || model == AttributionModel.FIRST_TOUCH;
      credits.add(new ContentModelCredit(model, credited ? payers : 0L, credited ? Map.of("CNY", fen) : Map.of(),
          credited ? Map.of("CNY", payers) : Map.of(), null));
    }
    return new ContentPerformance(Ecosystem.WEIXIN, kind, id, LocalDate.parse(day), "Asia/Shanghai", null, "a", null,
        payers, payers, credits, false);
  }

  private static FunnelRow row(final String campaign, final String day, final long touched, final long paid,
      final Map<String, Long> payers) {
    final Map<String, Long> gmv = new TreeMap<>();
    payers.forEach((currency, n) -> gmv.put(currency, 100 * n));
    return FunnelRow.newBuilder().setEcosystem(Ecosystem.WEIXIN).setCampaignId(campaign).setCohortDay(LocalDate.parse(day))
        .setTimeZone("Asia/Shanghai").setTouched(touched).setCoupon(paid).setPaid(paid).setGmv(gmv).setPayers(payers)
        .setAttributedGmv(Map.of()).setFinal$(false).build();
  }
}
