package wxfunnel.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import wxfunnel.generator.Generator.KeyBy;

/** {@code --key-by app-openid|person}. */
final class KeyByChoice implements ITypeConverter<KeyBy> {

  @Override
  public KeyBy convert(final String value) {
    for (final KeyBy keyBy : KeyBy.values()) {
      if (keyBy.flag().equals(value.trim().toLowerCase(Locale.ROOT))) {
        return keyBy;
      }
    }
    throw new TypeConversionException("'" + value + "' is not a key: use app-openid or person");
  }
}
