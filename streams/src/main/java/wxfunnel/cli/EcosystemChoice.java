package wxfunnel.cli;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import wxfunnel.events.Ecosystem;
import wxfunnel.topics.EcoTopic;

/** {@code --ecosystem wechat|weixin|both}. */
final class EcosystemChoice implements ITypeConverter<Set<Ecosystem>> {

  @Override
  public Set<Ecosystem> convert(final String value) {
    final String choice = value.trim().toLowerCase(Locale.ROOT);
    if (choice.equals("both")) {
      return EnumSet.allOf(Ecosystem.class);
    }
    for (final Ecosystem eco : Ecosystem.values()) {
      if (EcoTopic.prefix(eco).equals(choice)) {
        return EnumSet.of(eco);
      }
    }
    throw new TypeConversionException("'" + value + "' is not an ecosystem: use wechat, weixin or both");
  }
}
