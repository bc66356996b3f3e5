package wxfunnel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.UUID;
import wxfunnel.local.LocalKafka;
import wxfunnel.registry.RegistryServer;

/**
 * One real KRaft broker for the whole test JVM, started on first use from the same code as
 * {@code wxfunnel local}. Tests keep apart by using their own topic names and registry topics.
 */
public final class SharedKafka {

  private static LocalKafka kafka;

  private SharedKafka() {}

  public static synchronized LocalKafka get() {
    if (kafka == null) {
      try {
        kafka = LocalKafka.start(Files.createTempDirectory("wxfunnel-test-kafka"), 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "shared-kafka-shutdown"));
    }
    return kafka;
  }

  public static Map<String, Object> clientConfig() {
    return get().clientConfig();
  }

  /** A new registry with its own, empty registry topic: its first schema gets id 1. */
  public static RegistryServer freshRegistry() {
    return registry("_schemas-" + UUID.randomUUID(), 0);
  }

  /** A registry on {@code topic}, serving on {@code port} (0 for any free port). */
  public static RegistryServer registry(final String topic, final int port) {
    try {
      return RegistryServer.start(clientConfig(), topic, "127.0.0.1", port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A topic name no other test uses. */
  public static String uniqueTopic(final String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
