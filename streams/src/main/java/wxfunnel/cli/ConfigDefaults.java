package wxfunnel.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where a flag that is not on the command line takes its value from: the environment variable
 * {@code WXFUNNEL_<FLAG>} (e.g. {@code WXFUNNEL_BOOTSTRAP_SERVERS}), then the properties file of
 * {@code --config} (key = the flag's name, e.g. {@code bootstrap-servers}), then the flag's own
 * default. Keys {@code kafka.*} of the file pass through to every Kafka client.
 */
final class ConfigDefaults implements IDefaultValueProvider {

  static final String CONFIG_FLAG = "--config";
  static final String KAFKA_PREFIX = "kafka.";

  private final Map<String, String> environment;
  private final Properties file;

  ConfigDefaults(final Map<String, String> environment, final Properties file) {
    this.environment = environment;
    this.file = file;
  }

  /** Reads the file named by {@code --config FILE}, {@code --config=FILE} or {@code WXFUNNEL_CONFIG}. */
  static ConfigDefaults load(final String[] args, final Map<String, String> environment) {
    String path = environment.get(envName(CONFIG_FLAG));
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals(CONFIG_FLAG) && i + 1 < args.length) {
        path = args[i + 1];
      } else if (args[i].startsWith(CONFIG_FLAG + "=")) {
        path = args[i].substring(CONFIG_FLAG.length() + 1);
      }
    }
    final Properties file = new Properties();
    if (path != null) {
      try (Reader reader = Files.newBufferedReader(Path.of(path))) {
        file.load(reader);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the config file " + path + ": " + e.getMessage(), e);
      }
    }
    return new ConfigDefaults(environment, file);
  }

  @Override
  public String defaultValue(final ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option)) {
      return null;
    }
    final String flag = option.longestName();
    final String fromEnvironment = environment.get(envName(flag));
    if (fromEnvironment != null) {
      return fromEnvironment;
    }
    final String fromFile = file.getProperty(flag.replaceFirst("^-+", ""));
    return fromFile != null ? fromFile : option.defaultValue();
  }

  /** The {@code kafka.*} properties of the file, without their prefix. */
  Map<String, Object> kafkaProperties() {
    final Map<String, Object> kafka = new TreeMap<>();
    for (final String key : file.stringPropertyNames()) {
      if (key.startsWith(KAFKA_PREFIX)) {
        kafka.put(key.substring(KAFKA_PREFIX.length()), file.getProperty(key));
      }
    }
    return kafka;
  }

  static String envName(final String flag) {
    return "WXFUNNEL_" + flag.replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
  }
}
