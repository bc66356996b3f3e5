package wxfunnel.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import wxfunnel.egress.Egress.Cell;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentKind;
import wxfunnel.events.ContentModelCredit;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.Ecosystem;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;

/** DESIGN 6a's rules on cells worked out by hand, with k = 3 unless said. */
class EgressTest {

  /** One reader, which reads on: every release is as of a new reading. */
  private static final Map<TopicPartition, Long> NOW = Map.of();

  private final Egress egress = new Egress(3, 20);

  @Test
  void smallCellsFoldIntoOtherAndTheSmallestShownOneJoinsThemUntilOtherMeetsK() {
    // b (2 persons) and c (1) are under k: other holds them, but other's persons are those of its
    // largest member at least, 2. d, the smallest shown cell, joins it: other = b + c + d, 5 persons.
    final Map<List<String>, Double> released = egress.release("users", cells(
        "a", 10, 10, "b", 2, 2, "c", 1, 1, "d", 5, 5), 0, NOW);
    assertThat(released).isEqualTo(Map.of(List.of("a", "paid"), 10.0, List.of("other", "paid"), 8.0));
  }

  @Test
  void whenEvenAllCellsTogetherAreUnderKNothingIsShown() {
    assertThat(egress.release("users", cells("b", 2, 2, "c", 2, 1), 0, NOW)).isEmpty();
  }

  @Test
  void anInputCampaignCalledOtherIsNeverShownAsACampaignOfItsOwn() {
    // "other" from the top-campaigns labels is a fold already: it goes with the small cells.
    assertThat(egress.release("users", cells("a", 4, 4, "other", 7, 7), 0, NOW))
        .isEqualTo(Map.of(List.of("a", "paid"), 4.0, List.of("other", "paid"), 7.0));
  }

  @Test
  void aCellOfNobodyFoldsToo() {
    // Its campaign's name alone would say that it has fewer than k persons.
    assertThat(egress.release("users", cells("a", 10, 10, "z", 0, 0), 0, NOW))
        .isEqualTo(Map.of(List.of("a", "paid"), 10.0, List.of("other", "paid"), 0.0));
  }

  @Test
  void aCountMovesOnlyByKToo() {
    // other's persons are its largest member's; its count may move by less, as campaigns leave it.
    final Egress tenOrMore = new Egress(10, 20);
    assertThat(tenOrMore.release("users", cells("other", 30, 15), 0, NOW)).containsEntry(List.of("other", "paid"), 30.0);
    assertThat(tenOrMore.release("users", cells("other", 34, 26), 0, NOW)).containsEntry(List.of("other", "paid"), 30.0);
    assertThat(tenOrMore.release("users", cells("other", 41, 27), 0, NOW)).containsEntry(List.of("other", "paid"), 41.0);
  }

  @Test
  void aValueMovesOnlyOnceKPersonsMovedIt() {
    assertThat(egress.release("gmv", cells("a", 1_000, 10), 0, NOW)).containsEntry(List.of("a", "paid"), 1_000.0);
    // Two more payers, money up: still the last released value.
    assertThat(egress.release("gmv", cells("a", 1_250, 12), 0, NOW)).containsEntry(List.of("a", "paid"), 1_000.0);
    // The same payers paid again: no new person behind the change.
    assertThat(egress.release("gmv", cells("a", 1_400, 12), 0, NOW)).containsEntry(List.of("a", "paid"), 1_000.0);
    // A third: three persons since the last release.
    assertThat(egress.release("gmv", cells("a", 1_480, 13), 0, NOW)).containsEntry(List.of("a", "paid"), 1_480.0);
    // Back by two (a revision): held; by three: released.
    assertThat(egress.release("gmv", cells("a", 1_300, 11), 0, NOW)).containsEntry(List.of("a", "paid"), 1_480.0);
    assertThat(egress.release("gmv", cells("a", 1_200, 10), 0, NOW)).containsEntry(List.of("a", "paid"), 1_200.0);
  }

  @Test
  void aCampaignOnceShownStaysShownAtItsLastReleaseWhileUnderK() {
    assertThat(egress.release("users", cells("a", 10, 10, "b", 9, 9), 0, NOW))
        .isEqualTo(Map.of(List.of("a", "paid"), 10.0, List.of("b", "paid"), 9.0));
    // a is revised to 2: folded with b into an other of 11, it would be 11 - 9. It stays, at 10.
    assertThat(egress.release("users", cells("a", 2, 2, "b", 9, 9), 0, NOW))
        .isEqualTo(Map.of(List.of("a", "paid"), 10.0, List.of("b", "paid"), 9.0));
    // Back at 11: one person from its last release.
    assertThat(egress.release("users", cells("a", 11, 11, "b", 9, 9), 0, NOW)).containsEntry(List.of("a", "paid"), 10.0);
    assertThat(egress.release("users", cells("a", 13, 13, "b", 9, 9), 0, NOW)).containsEntry(List.of("a", "paid"), 13.0);
  }

  @Test
  void onlyCampaignsNeverShownJoinOtherToMakeItMeetK() {
    assertThat(egress.release("users", cells("a", 10, 10, "d", 5, 5), 0, NOW))
        .isEqualTo(Map.of(List.of("a", "paid"), 10.0, List.of("d", "paid"), 5.0));
    // b and c are too few together; d was shown, so other would be other less d's 5: other is not shown.
    assertThat(egress.release("users", cells("a", 10, 10, "d", 5, 5, "b", 2, 2, "c", 1, 1), 0, NOW))
        .isEqualTo(Map.of(List.of("a", "paid"), 10.0, List.of("d", "paid"), 5.0));
    // e, never shown, joins them: other = b + c + e, backed by e's 4 persons.
    assertThat(egress.release("users", cells("a", 10, 10, "d", 5, 5, "b", 2, 2, "c", 1, 1, "e", 4, 4), 0, NOW))
        .isEqualTo(Map.of(List.of("a", "paid"), 10.0, List.of("d", "paid"), 5.0, List.of("other", "paid"), 7.0));
  }

  @Test
  void cellsWithoutACampaignAreAllWithheldWhileOneIsSmallAndEachMovesInSteps() {
    final Map<List<String>, Cell> statuses = new LinkedHashMap<>();
    statuses.put(List.of("ATTRIBUTED"), new Cell(40, 30));
    statuses.put(List.of("UNATTRIBUTED"), new Cell(2, 2));
    // UNATTRIBUTED has 2 payers: neither is shown (ATTRIBUTED would be the total's rest).
    assertThat(egress.releaseAll("conversions", statuses, NOW)).isEmpty();
    statuses.put(List.of("UNATTRIBUTED"), new Cell(5, 4));
    assertThat(egress.releaseAll("conversions", statuses, NOW))
        .isEqualTo(Map.of(List.of("ATTRIBUTED"), 40.0, List.of("UNATTRIBUTED"), 5.0));
    // ATTRIBUTED moves by 5 payers, UNATTRIBUTED by 1: only ATTRIBUTED moves.
    statuses.put(List.of("ATTRIBUTED"), new Cell(47, 35));
    statuses.put(List.of("UNATTRIBUTED"), new Cell(6, 5));
    assertThat(egress.releaseAll("conversions", statuses, NOW))
        .isEqualTo(Map.of(List.of("ATTRIBUTED"), 47.0, List.of("UNATTRIBUTED"), 5.0));
    statuses.put(List.of("UNATTRIBUTED"), new Cell(9, 7));
    assertThat(egress.releaseAll("conversions", statuses, NOW))
        .isEqualTo(Map.of(List.of("ATTRIBUTED"), 47.0, List.of("UNATTRIBUTED"), 9.0));
    // Revised down to 2 payers: all withheld again.
    statuses.put(List.of("UNATTRIBUTED"), new Cell(2, 2));
    assertThat(egress.releaseAll("conversions", statuses, NOW)).isEmpty();
  }

  @Test
  void cellsReleasedTogetherMoveOnlyWhenEachKeptItsValueOrMovedEnough() {
    final Map<List<String>, Cell> histogram = new LinkedHashMap<>();
    histogram.put(List.of("le=60"), new Cell(12, 11));
    histogram.put(List.of("le=300"), new Cell(20, 18));
    histogram.put(List.of("count"), new Cell(32, 29));
    assertThat(egress.releaseTogether("histogram", histogram, NOW))
        .isEqualTo(Map.of(List.of("le=60"), 12.0, List.of("le=300"), 20.0, List.of("count"), 32.0));
    // le=60 by 4 conversions of 3 payers, le=300 by 2 of 2: le=300 holds them all back.
    histogram.put(List.of("le=60"), new Cell(16, 14));
    histogram.put(List.of("le=300"), new Cell(22, 20));
    histogram.put(List.of("count"), new Cell(38, 34));
    assertThat(egress.releaseTogether("histogram", histogram, NOW)).containsEntry(List.of("count"), 32.0);
    // le=300 by 3 of 3 since the release: all move, at once.
    histogram.put(List.of("le=300"), new Cell(23, 21));
    histogram.put(List.of("count"), new Cell(39, 35));
    assertThat(egress.releaseTogether("histogram", histogram, NOW))
        .isEqualTo(Map.of(List.of("le=60"), 16.0, List.of("le=300"), 23.0, List.of("count"), 39.0));
  }

  @Test
  void aReaderBehindTheLastReleaseGetsTheLastReleaseAndMovesNothing() {
    final Egress shared = new Egress(10, 20);
    final Names weixin = new Names(Ecosystem.WEIXIN);
    final TopicPartition funnel = new TopicPartition(weixin.topic(EcoTopic.FUNNEL), 0);
    final TopicPartition ledger = new TopicPartition(weixin.changelog(Names.LEDGER), 0);
    // /metrics has read up to offset 100 of the funnel rows, and its ledger.
    assertThat(shared.release("users", cells("a", 100, 100), 0, Map.of(funnel, 100L, ledger, 7L)))
        .containsEntry(List.of("a", "paid"), 100.0);
    // The screen, at offset 90, sees 88: an older reading, which neither shows 88 nor becomes the last release.
    assertThat(shared.release("users", cells("a", 88, 88), 0, Map.of(funnel, 90L))).containsEntry(List.of("a", "paid"), 100.0);
    // /metrics reads on: 103 is three from the last release, 100, not fifteen from 88.
    assertThat(shared.release("users", cells("a", 103, 103), 0, Map.of(funnel, 110L, ledger, 7L)))
        .containsEntry(List.of("a", "paid"), 100.0);
    // The screen, caught up on the funnel rows (it reads no ledger), releases as of there.
    assertThat(shared.release("users", cells("a", 111, 111), 0, Map.of(funnel, 120L))).containsEntry(List.of("a", "paid"), 111.0);
  }

  @Test
  void theTopContentOfEachKindIsNamedAndAnIdThatIsNoPlainLabelNever() {
    final Egress egress = new Egress(3, 20);
    final List<ContentPerformance> rows = new ArrayList<>();
    // 20 campaigns: 10 pieces of content of each kind
    for (int i = 1; i <= 11; i++) {
      rows.add(article("a" + i, 100 - i));
    }
    rows.add(article("spaced id", 1_000));
    egress.rankContent(rows, AttributionModel.LAST_TOUCH, Map.of());

    // The ten with the most payments, less the one whose id no label may hold: a1 to a10; a11 and it are other.
    assertThat(egress.contentLabel(ContentKind.ARTICLE, "a10")).isEqualTo("a10");
    assertThat(egress.contentLabel(ContentKind.ARTICLE, "a11")).isEqualTo("other");
    assertThat(egress.contentLabel(ContentKind.ARTICLE, "spaced id")).isEqualTo("other");
    // Ranked per kind: a scene of the same id is not named
    assertThat(egress.contentLabel(ContentKind.SCENE, "a1")).isEqualTo("other");
  }

  @Test
  void contentCellsOfKPersonsLeaveEachOnItsOwnAndNoneIsHiddenForAnother() {
    // k = 3. a has 5 payers, b 1, c 3: b is withheld, and c is shown (folded with b into an other
    // that is never shown, it would be hidden for nothing).
    final Map<List<String>, Cell> cells = new LinkedHashMap<>();
    cells.put(List.of("article", "a", "CNY"), new Cell(500, 5));
    cells.put(List.of("article", "b", "CNY"), new Cell(100, 1));
    cells.put(List.of("article", "c", "CNY"), new Cell(300, 3));
    assertThat(egress.releaseNamed("content", cells, NOW))
        .isEqualTo(Map.of(List.of("article", "a", "CNY"), 500.0, List.of("article", "c", "CNY"), 300.0));

    // a loses its label: its series ends, its money moves nowhere; c moved by fewer than k payers and
    // stays; c then loses payers (a refund) and stays at its last release too
    cells.remove(List.of("article", "a", "CNY"));
    cells.put(List.of("article", "c", "CNY"), new Cell(320, 4));
    assertThat(egress.releaseNamed("content", cells, NOW)).isEqualTo(Map.of(List.of("article", "c", "CNY"), 300.0));
    cells.put(List.of("article", "c", "CNY"), new Cell(200, 2));
    assertThat(egress.releaseNamed("content", cells, NOW)).isEqualTo(Map.of(List.of("article", "c", "CNY"), 300.0));
  }

  @Test
  void aContentIdThatIsOtherTakesNoneOfTheLabels() {
    final Egress egress = new Egress(3, 20);
    final List<ContentPerformance> rows = new ArrayList<>(List.of(article("other", 1_000)));
    for (int i = 1; i <= 10; i++) {
      rows.add(article("a" + i, 100 - i));
    }
    egress.rankContent(rows, AttributionModel.LAST_TOUCH, Map.of());
    assertThat(egress.contentLabel(ContentKind.ARTICLE, "a10")).isEqualTo("a10");
  }

  private static ContentPerformance article(final String id, final long conversions) {
    final List<ContentModelCredit> credits = new ArrayList<>();
    for (final AttributionModel model : AttributionModel.values()) {
      credits.add(new ContentModelCredit(model, model == AttributionModel.LAST_TOUCH ? conversions : 0L, Map.of(), Map.of(), null));
    }
    return new ContentPerformance(Ecosystem.WEIXIN, ContentKind.ARTICLE, id, LocalDate.parse("2026-11-20"), "Asia/Shanghai", null,
        null, null, 1L, 1L, credits, false);
  }

  @Test
  void theThresholdIsNeverBelowThree() {
    assertThatThrownBy(() -> new Egress(2, 20)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--min-cell-users must be at least 3, not 2");
    assertThat(new Egress(Egress.DEFAULT_MIN_CELL_USERS, 20).minCellUsers()).isEqualTo(10);
  }

  /** Cells of the paid step: campaign, value and persons, by threes. */
  private static Map<List<String>, Cell> cells(final Object... campaignValuePersons) {
    final Map<List<String>, Cell> cells = new LinkedHashMap<>();
    for (int i = 0; i < campaignValuePersons.length; i += 3) {
      cells.put(List.of((String) campaignValuePersons[i], "paid"), new Cell(((Number) campaignValuePersons[i + 1]).doubleValue(),
          ((Number) campaignValuePersons[i + 2]).longValue()));
    }
    return cells;
  }
}
