package wxfunnel.topology;

import wxfunnel.events.Ecosystem;
import wxfunnel.topics.EcoTopic;

/**
 * Every name of one ecosystem's topology: its topics ({@code <eco>.}) and its nodes, stores and
 * internal topics ({@code wxfunnel-<eco>-}), so nothing of one ecosystem is named like the other's.
 */
public record Names(Ecosystem ecosystem) {

  public String topic(final EcoTopic topic) {
    return topic.topic(ecosystem);
  }

  /** A node, store or internal topic: {@code wxfunnel-<eco>-<what>}. */
  public String of(final String what) {
    return EcoTopic.applicationId(ecosystem) + "-" + what;
  }

  public String applicationId() {
    return EcoTopic.applicationId(ecosystem);
  }
}
