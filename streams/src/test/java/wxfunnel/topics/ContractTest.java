package wxfunnel.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import wxfunnel.events.Ecosystem;
import wxfunnel.internal.EventKind;

/**
 * The names of the contract, as operators, dashboards and other teams' consumers know them, and
 * the rule that keeps them in one place: no source file outside this package spells one.
 */
class ContractTest {

  /** The sources that must use the contract by name: every module's Java, this package's own excepted. */
  private static final List<Path> SOURCES = List.of(Path.of("src/main/java"), Path.of("src/test/java"),
      Path.of("../benchmarks/src/main/java"));
  private static final Path CONTRACT = Path.of("wxfunnel", "topics");
  private static final Pattern STRING_LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");

  @Test
  void topicsAreNamedAfterTheirEcosystem() {
    assertThat(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN)).isEqualTo("weixin.payments");
    assertThat(EcoTopic.COUPON_CLICKS.topic(Ecosystem.WECHAT)).isEqualTo("wechat.coupon-clicks");
    assertThat(EcoTopic.outputs()).containsExactly(EcoTopic.CONVERSIONS, EcoTopic.FUNNEL, EcoTopic.CONTENT_PERFORMANCE, EcoTopic.DLQ);
    assertThat(EcoTopic.inputs()).containsExactly(EcoTopic.READS, EcoTopic.SCANS, EcoTopic.COUPON_CLICKS, EcoTopic.PAYMENTS,
        EcoTopic.CONTENT);
    assertThat(EcoTopic.FUNNEL.shadowTopic(Ecosystem.WEIXIN, "fix-42")).isEqualTo("weixin.shadow-fix-42.funnel");
  }

  @Test
  void storesAndTheirChangelogsAreNamedUnderTheApplicationId() {
    assertThat(new Names(Ecosystem.WEIXIN).changelog(Names.LEDGER)).isEqualTo("wxfunnel-weixin-wxfunnel-weixin-ledger-changelog");
    assertThat(new Names(Ecosystem.WECHAT, "fix").changelog(Names.PERSONS))
        .isEqualTo("wxfunnel-wechat-shadow-fix-wxfunnel-wechat-persons-changelog");
    assertThat(new Names(Ecosystem.WEIXIN).repartition(Names.BY_PERSON)).isEqualTo("wxfunnel-weixin-wxfunnel-weixin-by-person-repartition");
  }

  @Test
  void deadLettersSayWhyAndWhereFrom() {
    assertThat(List.of(DeadLetters.REASON, DeadLetters.ERROR, DeadLetters.SOURCE_TOPIC, DeadLetters.SOURCE_PARTITION,
        DeadLetters.SOURCE_OFFSET)).containsExactly("wxfunnel.reason", "wxfunnel.error", "wxfunnel.source.topic",
        "wxfunnel.source.partition", "wxfunnel.source.offset");
  }

  @Test
  void ledgerKeysAreOutcomeThenEventKind() {
    assertThat(Ledger.Outcome.DUPLICATE.key(EventKind.PAYMENT.name())).isEqualTo("duplicate.PAYMENT");
    assertThat(Ledger.Count.of("capped.READ")).contains(new Ledger.Count(Ledger.Outcome.CAPPED, "READ"));
    assertThat(Ledger.Count.of("accepted.ARTICLE")).contains(new Ledger.Count(Ledger.Outcome.ACCEPTED, "ARTICLE"));
    assertThat(Ledger.Count.of("clock.3.READ")).isEmpty();
    assertThat(Ledger.isBookkeeping("state.persons")).isTrue();
    assertThat(Ledger.isBookkeeping("catalog.audited.0")).isTrue();
    assertThat(Ledger.isBookkeeping("late.SCAN")).isFalse();
  }

  @Test
  void noSourceOutsideTheContractSpellsOneOfItsNames() throws IOException {
    final List<String> spelled = new ArrayList<>();
    for (final Path root : SOURCES) {
      try (Stream<Path> files = Files.walk(root)) {
        for (final Path file : files.filter(f -> f.toString().endsWith(".java") && !root.relativize(f).startsWith(CONTRACT)).toList()) {
          final List<String> lines = Files.readAllLines(file);
          for (int i = 0; i < lines.size(); i++) {
            final Matcher literal = STRING_LITERAL.matcher(lines.get(i));
            while (literal.find()) {
              final String name = contractName(literal.group(1));
              if (name != null) {
                spelled.add(file + ":" + (i + 1) + " spells " + name + " in \"" + literal.group(1) + "\"");
              }
            }
          }
        }
      }
    }
    assertThat(spelled).as("names of the contract spelled outside wxfunnel.topics").isEmpty();
  }

  /** The contract name {@code literal} spells, or null. */
  private static String contractName(final String literal) {
    for (final EcoTopic topic : EcoTopic.values()) {
      final String suffix = topic.topic(Ecosystem.WEIXIN).substring(EcoTopic.prefix(Ecosystem.WEIXIN).length());
      // A topic of an ecosystem or of a shadow, or a registry subject of one (<topic>-key, <topic>-value).
      if (Pattern.compile("(^|wechat|weixin|shadow-[a-z0-9-]*)" + Pattern.quote(suffix) + "($|[^\\w-]|-(key|value)\\b)")
          .matcher(literal).find()) {
        return "topic " + suffix;
      }
    }
    for (final String header : List.of(DeadLetters.REASON, DeadLetters.ERROR, "wxfunnel.source.")) {
      if (literal.contains(header)) {
        return "DLQ header " + header;
      }
    }
    final List<String> ledger = new ArrayList<>(List.of(Ledger.PERSONS_IN_STATE, Ledger.CLOCKS, Ledger.AUDITED));
    for (final Ledger.Outcome outcome : Ledger.Outcome.values()) {
      ledger.add(outcome.key(""));
    }
    for (final String prefix : ledger) {
      if (literal.startsWith(prefix)) {
        return "ledger key " + prefix;
      }
    }
    for (final String store : Stream.concat(Names.STORES.stream(), Names.REPARTITIONS.stream()).toList()) {
      if (literal.equals(store) || literal.contains(store + "-changelog") || literal.contains(store + "-repartition")) {
        return "store or repartition " + store;
      }
    }
    return null;
  }
}
