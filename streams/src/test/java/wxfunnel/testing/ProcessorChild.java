package wxfunnel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import wxfunnel.events.Ecosystem;
import wxfunnel.local.ChildJvm;
import wxfunnel.topics.EcoTopic;

/** {@code wxfunnel run} as a child process, so it can be killed with SIGKILL like a lost machine. */
public final class ProcessorChild {

  private ProcessorChild() {}

  /**
   * Starts it against {@code bootstrapServers} and {@code registryUrl}, with its state under
   * {@code stateDir}, /metrics on {@code metricsPort}, extra Kafka settings from {@code kafkaSettings}
   * (lines of {@code kafka.name=value}), appending its output to {@code log}.
   */
  public static ChildJvm start(final Ecosystem eco, final String bootstrapServers, final String registryUrl,
      final Path stateDir, final int metricsPort, final String kafkaSettings, final Path log) throws Exception {
    final Path config = Files.writeString(Files.createTempFile(log.getParent(), "processor", ".properties"), kafkaSettings);
    return run(List.of("--ecosystem", EcoTopic.prefix(eco), "--bootstrap-servers", bootstrapServers,
        "--schema-registry-url", registryUrl, "--state-dir", stateDir.toString(), "--metrics-port", String.valueOf(metricsPort),
        "--metrics-host", "127.0.0.1", "--config", config.toString()), log);
  }

  /** {@code wxfunnel run} with the options given, appending its output to {@code log}. */
  public static ChildJvm run(final List<String> options, final Path log) throws IOException {
    final List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(options);
    return ChildJvm.wxfunnel(List.of("-Xmx768m"), args,
        builder -> builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())));
  }
}
