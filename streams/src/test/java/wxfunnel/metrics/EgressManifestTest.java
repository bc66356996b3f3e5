package wxfunnel.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The manifest's rules on samples written by hand; live scrapes are checked by DemoTest and CanaryTest. */
class EgressManifestTest {

  private final EgressManifest manifest = EgressManifest.load();

  @Test
  void theSeriesItListsPassWithTheirLabelsAndKinds() {
    final String scrape = """
        # HELP wxfunnel_funnel_users Users who reached each funnel step
        # TYPE wxfunnel_funnel_users gauge
        wxfunnel_funnel_users{campaign="double11-2026",ecosystem="weixin",step="paid"} 12.0
        wxfunnel_gmv{campaign="other",currency="CNY",ecosystem="wechat"} 880000.0
        wxfunnel_attributed_conversions{campaign="none",ecosystem="weixin",model="linear"} 2.5
        wxfunnel_time_to_convert_seconds_bucket{ecosystem="weixin",le="+Inf"} 7
        kafka_stream_thread_process_rate{client_id="wxfunnel-weixin-0d3c-StreamThread-1",ecosystem="weixin",kafka_version="4.4.0",thread_id="wxfunnel-weixin-0d3c-StreamThread-1"} 1520.5
        jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.2E7
        process_uptime_seconds 31.2
        """;

    assertThat(manifest.violations(scrape)).isEmpty();
  }

  @Test
  void anythingElseIsALeakAndSaysWhy() {
    final String scrape = """
        wxfunnel_person_amount{ecosystem="weixin"} 1.0
        wxfunnel_gmv{campaign="x",currency="CNY",ecosystem="weixin",openid="oAbc"} 100.0
        wxfunnel_gmv{campaign="x",currency="cny",ecosystem="weixin"} 100.0
        wxfunnel_state_persons{ecosystem="weixin"} NaN
        wxfunnel_conversions{ecosystem="weixin",status="ATTRIBUTED"} 2.5
        wxfunnel_gmv{campaign="x",currency="CNY",ecosystem="weixin"} -1.0
        kafka_consumer_records_lag{client_id="wxfunnel-weixin-0d3c",user="oAbc"} 3.0
        kafka_consumer_records_lag{client_id="oAbc"} 3.0
        wxfunnel_processor_running{ecosystem="weixin"} 2.0
        wxfunnel_state_persons{ecosystem="weixin",ecosystem="oAbc"} 1.0
        kafka_consumer_records_lag{client_id="wxfunnel-weixin-0d3c", "oAbc"} 3.0
        wxfunnel_state_persons{ecosystem="weixin"} 1,0
        """;

    final List<String> violations = manifest.violations(scrape);

    assertThat(violations).hasSize(12);
    assertThat(violations.stream().map(v -> v.substring(v.indexOf("<- ") + 3))).containsExactly(
        "no series of this name may leave",
        "labels [campaign, currency, ecosystem, openid], the manifest says [ecosystem, campaign, currency]",
        "label currency outside [A-Z]{3}",
        "value is not a COUNT",
        "value is not a COUNT",
        "value is not a MONEY",
        "label user may not leave",
        "label client_id outside (wxfunnel-(wechat|weixin)|adminclient-)[A-Za-z0-9._-]*",
        "value is not a FLAG",
        "labels that are not name=\"value\" pairs, each name once",
        "labels that are not name=\"value\" pairs, each name once",
        "value is not a COUNT");
  }
}
