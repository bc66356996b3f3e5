package wxfunnel.topics;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.config.TopicConfig;
import wxfunnel.events.Ecosystem;

/**
 * The topics of one ecosystem. Every name is derived here from {@link Ecosystem}: {@code
 * <eco>.<suffix>}, with {@code <eco>} = {@code wechat} or {@code weixin}.
 */
public enum EcoTopic {
  /** Key: person key (any key accepted; re-keyed). Value: {@code ArticleRead}. Cleanup: delete. */
  READS("reads", TopicConfig.CLEANUP_POLICY_DELETE, Map.of()),
  /** Key: person key. Value: {@code QrScan}. Cleanup: delete. */
  SCANS("scans", TopicConfig.CLEANUP_POLICY_DELETE, Map.of()),
  /** Key: person key. Value: {@code CouponClick}. Cleanup: delete. */
  COUPON_CLICKS("coupon-clicks", TopicConfig.CLEANUP_POLICY_DELETE, Map.of()),
  /** Key: person key. Value: {@code Payment}. Cleanup: delete. */
  PAYMENTS("payments", TopicConfig.CLEANUP_POLICY_DELETE, Map.of()),
  /** Key: {@code msg_id}. Value: {@code Article}, the catalog of published articles. Cleanup: compact. */
  CONTENT("content", TopicConfig.CLEANUP_POLICY_COMPACT, Map.of()),
  /** Key: {@code transaction_id}. Value: {@code Conversion}. Cleanup: compact. */
  CONVERSIONS("conversions", TopicConfig.CLEANUP_POLICY_COMPACT, Map.of()),
  /** Key: {@code campaign_id} + cohort day. Value: {@code FunnelRow}. Cleanup: compact. */
  FUNNEL("funnel", TopicConfig.CLEANUP_POLICY_COMPACT, Map.of()),
  /**
   * Key: content kind, id and day, {@code <ARTICLE|SCENE|COUPON>|<id>|<yyyy-MM-dd>}. Value: {@code
   * ContentPerformance}. Cleanup: compact.
   */
  CONTENT_PERFORMANCE("content-performance", TopicConfig.CLEANUP_POLICY_COMPACT, Map.of()),
  /**
   * Key: the original key. Value: the original bytes, with headers {@code wxfunnel.reason}, {@code
   * wxfunnel.error} and {@code wxfunnel.source.topic/partition/offset}. Cleanup: delete, timed from
   * when a record was dead-lettered (LogAppendTime), not from its original timestamp.
   */
  DLQ("dlq", TopicConfig.CLEANUP_POLICY_DELETE, Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"));

  private final String suffix;
  private final String cleanupPolicy;
  private final Map<String, String> configs;

  EcoTopic(final String suffix, final String cleanupPolicy, final Map<String, String> otherConfigs) {
    this.suffix = suffix;
    this.cleanupPolicy = cleanupPolicy;
    final Map<String, String> all = new TreeMap<>(otherConfigs);
    all.put(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy);
    this.configs = Map.copyOf(all);
  }

  /** {@code wechat} or {@code weixin}: the prefix of every topic, and the ACL prefix, of one ecosystem. */
  public static String prefix(final Ecosystem ecosystem) {
    return ecosystem.name().toLowerCase(Locale.ROOT);
  }

  /** {@code wxfunnel-wechat} or {@code wxfunnel-weixin}. */
  public static String applicationId(final Ecosystem ecosystem) {
    return "wxfunnel-" + prefix(ecosystem);
  }

  public String topic(final Ecosystem ecosystem) {
    return prefix(ecosystem) + "." + suffix;
  }

  /** Whether {@code topic} is this topic of one of the ecosystems. */
  public boolean isTopic(final String topic) {
    return Arrays.stream(Ecosystem.values()).anyMatch(ecosystem -> topic(ecosystem).equals(topic));
  }

  /** The topics the processor reads: the events and the catalog. */
  public static List<EcoTopic> inputs() {
    return List.of(READS, SCANS, COUPON_CLICKS, PAYMENTS, CONTENT);
  }

  /** The topics the processor writes: a shadow has its own. */
  public static List<EcoTopic> outputs() {
    return List.of(CONVERSIONS, FUNNEL, CONTENT_PERFORMANCE, DLQ);
  }

  public boolean isOutput() {
    return outputs().contains(this);
  }

  /** {@code <eco>.shadow-<name>.<suffix>}: an output of the shadow processor {@code name}. */
  public String shadowTopic(final Ecosystem ecosystem, final String name) {
    return prefix(ecosystem) + ".shadow-" + name + "." + suffix;
  }

  public String cleanupPolicy() {
    return cleanupPolicy;
  }

  /** The topic configs the contract sets: its cleanup policy, and for the DLQ its timestamp type. */
  public Map<String, String> configs() {
    return configs;
  }
}
