package wxfunnel.topics;

import java.util.Locale;
import org.apache.kafka.common.config.TopicConfig;
import wxfunnel.events.Ecosystem;

/**
 * The topics of one ecosystem. Every name is derived here from {@link Ecosystem}: {@code
 * <eco>.<suffix>}, with {@code <eco>} = {@code wechat} or {@code weixin}.
 */
public enum EcoTopic {
  /** Key: person key (any key accepted; re-keyed). Value: {@code ArticleRead}. Cleanup: delete. */
  READS("reads", TopicConfig.CLEANUP_POLICY_DELETE),
  /** Key: person key. Value: {@code QrScan}. Cleanup: delete. */
  SCANS("scans", TopicConfig.CLEANUP_POLICY_DELETE),
  /** Key: person key. Value: {@code CouponClick}. Cleanup: delete. */
  COUPON_CLICKS("coupon-clicks", TopicConfig.CLEANUP_POLICY_DELETE),
  /** Key: person key. Value: {@code Payment}. Cleanup: delete. */
  PAYMENTS("payments", TopicConfig.CLEANUP_POLICY_DELETE),
  /** Key: {@code msg_id}. Value: {@code Article}, the catalog of published articles. Cleanup: compact. */
  CONTENT("content", TopicConfig.CLEANUP_POLICY_COMPACT),
  /** Key: {@code transaction_id}. Value: {@code Conversion}. Cleanup: compact. */
  CONVERSIONS("conversions", TopicConfig.CLEANUP_POLICY_COMPACT),
  /** Key: {@code campaign_id} + cohort day. Value: {@code FunnelRow}. Cleanup: compact. */
  FUNNEL("funnel", TopicConfig.CLEANUP_POLICY_COMPACT),
  /**
   * Key: the original key. Value: the original bytes, with headers {@code wxfunnel.reason}, {@code
   * wxfunnel.error} and {@code wxfunnel.source.topic/partition/offset}. Cleanup: delete.
   */
  DLQ("dlq", TopicConfig.CLEANUP_POLICY_DELETE);

  private final String suffix;
  private final String cleanupPolicy;

  EcoTopic(final String suffix, final String cleanupPolicy) {
    this.suffix = suffix;
    this.cleanupPolicy = cleanupPolicy;
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

  public String cleanupPolicy() {
    return cleanupPolicy;
  }
}
