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

  private static FunnelRow row(final String campaign, final String day, final long touched, final long paid,
      final Map<String, Long> payers) {
    final Map<String, Long> gmv = new TreeMap<>();
    payers.forEach((currency, n) -> gmv.put(currency, 100 * n));
    return FunnelRow.newBuilder().setEcosystem(Ecosystem.WEIXIN).setCampaignId(campaign).setCohortDay(LocalDate.parse(day))
        .setTimeZone("Asia/Shanghai").setTouched(touched).setCoupon(paid).setPaid(paid).setGmv(gmv).setPayers(payers)
        .setAttributedGmv(Map.of()).setFinal$(false).build();
  }
}
