package wxfunnel.topology;

import java.util.regex.Pattern;
import wxfunnel.events.Ecosystem;
import wxfunnel.topics.EcoTopic;

/**
 * Every name of one ecosystem's topology: its topics ({@code <eco>.}) and its nodes, stores and
 * internal topics ({@code wxfunnel-<eco>-}), so nothing of one ecosystem is named like the other's.
 * A shadow ({@code shadow} not null) reads the same inputs but writes its own outputs, {@code
 * <eco>.shadow-<name>.<output>}, under its own application id {@code wxfunnel-<eco>-shadow-<name>};
 * both stay inside the ecosystem's prefixes.
 */
public record Names(Ecosystem ecosystem, String shadow) {

  private static final Pattern SHADOW_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

  public Names {
    if (shadow != null && !SHADOW_NAME.matcher(shadow).matches()) {
      throw new IllegalArgumentException("a shadow name is 1 to 40 lower-case letters, digits or dashes: " + shadow);
    }
  }

  public Names(final Ecosystem ecosystem) {
    this(ecosystem, null);
  }

  public String topic(final EcoTopic topic) {
    return shadow != null && topic.isOutput() ? topic.shadowTopic(ecosystem, shadow) : topic.topic(ecosystem);
  }

  /** A node, store or internal topic: {@code wxfunnel-<eco>-<what>}, the same in a shadow. */
  public String of(final String what) {
    return EcoTopic.applicationId(ecosystem) + "-" + what;
  }

  public String applicationId() {
    return EcoTopic.applicationId(ecosystem) + (shadow == null ? "" : "-shadow-" + shadow);
  }
}
