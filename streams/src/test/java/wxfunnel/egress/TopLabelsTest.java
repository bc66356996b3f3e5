package wxfunnel.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;

/** Which campaigns get a label of their own, worked out by hand with two labels (n = 2, so rank 4 is the last that keeps one). */
class TopLabelsTest {

  private static final LocalDate TODAY = LocalDate.parse("2026-11-20");

  private final TopLabels labels = new TopLabels(2);

  @Test
  void theTopTwoByRecentTouchedUsersAreNamedAndTheRestAreOther() {
    assertThat(labels.update(List.of(row("A", TODAY, 100), row("B", TODAY, 50), row("C", TODAY, 40)))).containsOnly("A", "B");
    assertThat(labels.label("B")).isEqualTo("B");
    assertThat(labels.label("C")).isEqualTo("other");
  }

  @Test
  void aCampaignKeepsItsLabelUntilItFallsBelowRankFour() {
    labels.update(List.of(row("A", TODAY, 100), row("B", TODAY, 50), row("C", TODAY, 40)));

    // C overtakes B: C joins at rank 2, B keeps its label at rank 3.
    assertThat(labels.update(List.of(row("A", TODAY, 100), row("B", TODAY, 50), row("C", TODAY, 60)))).containsOnly("A", "B", "C");
    // D and E launch bigger than all: ranks D, E, A, C, B; B at rank 5 loses its label.
    assertThat(labels.update(List.of(row("A", TODAY, 100), row("B", TODAY, 50), row("C", TODAY, 60), row("D", TODAY, 200),
        row("E", TODAY, 150)))).containsOnly("A", "C", "D", "E");
  }

  @Test
  void onlyTheLastSevenCohortDaysCount() {
    // F's 1,000 users are 7 days before the latest day, outside the window; its 1 user today is not enough.
    assertThat(labels.update(List.of(row("F", TODAY.minusDays(7), 1_000), row("F", TODAY, 1), row("A", TODAY.minusDays(6), 10),
        row("B", TODAY, 5)))).containsOnly("A", "B");
  }

  @Test
  void tiesGoToTheCampaignIdSortingFirstAndNobodyTouchedIsNamed() {
    assertThat(labels.update(List.of(row("b", TODAY, 7), row("a", TODAY, 7), row("c", TODAY, 7), row("z", TODAY, 0))))
        .containsOnly("a", "b");
  }

  @Test
  void noRowsNameNobody() {
    assertThat(labels.update(List.of())).isEmpty();
  }

  private static FunnelRow row(final String campaign, final LocalDate day, final long touched) {
    return FunnelRow.newBuilder().setEcosystem(Ecosystem.WEIXIN).setCampaignId(campaign).setCohortDay(day)
        .setTimeZone("Asia/Shanghai").setTouched(touched).setCoupon(0).setPaid(0).setGmv(Map.of()).setAttributedGmv(Map.of())
        .setFinal$(false).build();
  }
}
