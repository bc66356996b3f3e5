package wxfunnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import wxfunnel.testing.Tools;
import wxfunnel.testing.Tools.Run;

/** The alert rules, checked and unit-tested by the real promtool: each alert fires on its case and stays quiet otherwise. */
class PrometheusRulesTest {

  private static final String INSTALL = "Debian: apt-get install prometheus";

  @Test
  void rulesAreValid() throws Exception {
    final Run check = Tools.run(Tools.repo(), Tools.require("promtool", INSTALL).toString(),
        "check", "rules", "prometheus/rules/wxfunnel.yml");

    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: 9 rules found");
  }

  @Test
  void everyAlertFiresOnItsCaseAndStaysQuietOtherwise() throws Exception {
    final Run test = Tools.run(Tools.repo(), Tools.require("promtool", INSTALL).toString(),
        "test", "rules", "prometheus/tests/wxfunnel_test.yml");

    assertThat(test.exitCode()).as(test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
  }
}
