package wxfunnel.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import wxfunnel.local.LocalStack;

/** {@code wxfunnel local}: a real Kafka broker and the schema registry, until stopped. */
@Command(name = "local", mixinStandardHelpOptions = true,
    description = "Run a local single-node Kafka broker (KRaft) and schema registry until stopped (Ctrl-C or SIGTERM).")
final class LocalCommand implements Callable<Integer> {

  @Option(names = "--kafka-port", defaultValue = "" + LocalStack.DEFAULT_KAFKA_PORT,
      description = "Broker port, 0 for any free port (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(names = "--registry-port", defaultValue = "" + LocalStack.DEFAULT_REGISTRY_PORT,
      description = "Schema registry port, 0 for any free port (default: ${DEFAULT-VALUE}).")
  int registryPort;

  @Option(names = "--data-dir", defaultValue = "data/local",
      description = "Where the broker keeps its data; a restart on the same directory keeps topics, data and schema ids (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    final UntilStopped running = new UntilStopped("local");
    final LocalStack stack = running.closeOnStop(LocalStack.start(dataDir, kafkaPort, registryPort));
    // Closed first, so it is said before the broker goes.
    running.closeOnStop(() -> System.out.println("stopping"));
    System.out.println("kafka=" + stack.bootstrapServers() + " registry=" + stack.registryUrl());
    System.out.flush();
    return running.await();
  }
}
