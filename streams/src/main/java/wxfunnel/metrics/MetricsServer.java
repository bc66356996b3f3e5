package wxfunnel.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KafkaStreams;
import wxfunnel.egress.Egress;
import wxfunnel.events.Ecosystem;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topology.FunnelConfig;

/**
 * Prometheus text at {@code /metrics} (Micrometer); {@code /health} (also {@code /health/ready}):
 * the processors' states and whether their schema registries answer; {@code /health/live}: whether
 * a processor has failed for good.
 */
public final class MetricsServer implements AutoCloseable {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  // Ecosystems start on threads of their own.
  private final List<FunnelProcessor> processors = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> binders = new CopyOnWriteArrayList<>();
  private final Map<String, RegistryProbe> registries = new ConcurrentSkipListMap<>();
  /** The ecosystems this process runs, whether or not their processors have started yet. */
  private final Set<String> expected = new ConcurrentSkipListSet<>();
  private final HttpServer http;
  private static final int HANDLER_THREADS = 4;

  private MetricsServer(final HttpServer http) {
    this.http = http;
  }

  /** Serves on 127.0.0.1:{@code port} (0 for any free port). */
  public static MetricsServer start(final String host, final int port) throws IOException {
    final MetricsServer server = new MetricsServer(HttpServer.create(new InetSocketAddress(host, port), 16));
    new JvmMemoryMetrics().bindTo(server.registry);
    new JvmThreadMetrics().bindTo(server.registry);
    new ProcessorMetrics().bindTo(server.registry);
    final JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(server.registry);
    server.binders.add(gc);
    server.http.createContext("/metrics", server::metrics);
    server.http.createContext("/health", server::health);
    server.http.createContext("/health/ready", server::health);
    server.http.createContext("/health/live", server::live);
    // A query may wait on another instance's answer: a scrape or a health check must not wait behind it.
    server.http.setExecutor(Executors.newFixedThreadPool(HANDLER_THREADS, runnable -> {
      final Thread thread = new Thread(runnable, "wxfunnel-http");
      thread.setDaemon(true);
      return thread;
    }));
    server.http.start();
    return server;
  }

  /** Serves {@code handler} under {@code path} as well, e.g. an ecosystem's queries. */
  public void serve(final String path, final HttpHandler handler) {
    http.createContext(path, handler);
  }

  /** Says that this process runs {@code ecosystem}: until its processor is watched, it is STARTING, and not ready. */
  public void expect(final Ecosystem ecosystem) {
    expected.add(EcoTopic.prefix(ecosystem));
  }

  /**
   * Watches a processor that has started, once it runs (waiting at most {@code timeout}, or however
   * long restoring takes when null): its Kafka Streams metrics and health, and from then on the
   * business metrics of what it commits, through {@code egress}, until the returned one is closed.
   * {@code config} is what the processor computes under.
   */
  public CommittedMetrics follow(final FunnelProcessor processor, final Map<String, Object> kafka, final String registryUrl,
      final FunnelConfig config, final Egress egress, final Duration timeout) throws InterruptedException {
    processor.awaitRunning(timeout);
    // Once running, Kafka Streams has registered all its metrics (the state updater's too) for binding.
    watch(processor);
    return CommittedMetrics.start(processor.ecosystem(), kafka, new RegistryClient(registryUrl), registry, config, egress);
  }

  /** Exports a processor's Kafka Streams metrics, tagged with its ecosystem, and watches its health. */
  public void watch(final FunnelProcessor processor) {
    final KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(processor.streams(),
        Tags.of("ecosystem", EcoTopic.prefix(processor.ecosystem())));
    metrics.bindTo(registry);
    binders.add(metrics);
    processors.add(processor);
    Gauge.builder("wxfunnel.processor.running", processor, p -> p.isRunning() ? 1 : 0)
        .description("1 while the ecosystem's processor is RUNNING")
        .tag("ecosystem", EcoTopic.prefix(processor.ecosystem())).register(registry);
  }

  /** Probes the ecosystem's schema registry; its reachability shows on {@code /health} and as a metric. */
  public void watchRegistry(final Ecosystem ecosystem, final String url) {
    final RegistryProbe probe = new RegistryProbe(url);
    binders.add(probe);
    registries.put(EcoTopic.prefix(ecosystem), probe);
    Gauge.builder("wxfunnel.registry.reachable", probe, p -> p.reachable() ? 1 : 0)
        .description("1 while the ecosystem's schema registry answers; processors go on with cached schemas meanwhile")
        .tag("ecosystem", EcoTopic.prefix(ecosystem)).register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  public String url() {
    return "http://" + http.getAddress().getHostString() + ":" + port();
  }

  @Override
  public void close() {
    http.stop(0);
    for (final AutoCloseable binder : binders) {
      try {
        binder.close();
      } catch (Exception e) {
        // Closing is best effort: the process is stopping.
      }
    }
    registry.close();
  }

  private void metrics(final HttpExchange exchange) throws IOException {
    respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", withoutNaN(registry.scrape()));
  }

  /**
   * The scrape without its NaN samples. Kafka clients and Streams report NaN for a window with
   * nothing recorded (a latency, a ratio) and for metrics of a higher recording level than
   * configured; NaN is not data, so such a series is left out of the scrape until it has a value.
   */
  static String withoutNaN(final String scrape) {
    return scrape.lines().filter(line -> line.startsWith("#") || !line.endsWith(" NaN"))
        .collect(Collectors.joining("\n", "", "\n"));
  }

  /**
   * 200 and UP with every processor RUNNING and every registry answering; 200 and DEGRADED while a
   * registry does not answer (processors go on with the schemas they have); 503 and DOWN while a
   * processor is not RUNNING.
   */
  private void health(final HttpExchange exchange) throws IOException {
    final Map<String, String> states = new TreeMap<>();
    expected.forEach(eco -> states.put(eco, "STARTING"));
    for (final FunnelProcessor processor : processors) {
      states.put(EcoTopic.prefix(processor.ecosystem()), processor.streams().state().name());
    }
    final boolean up = !states.isEmpty() && states.values().stream().allMatch(KafkaStreams.State.RUNNING.name()::equals);
    final Map<String, String> reachability = new TreeMap<>();
    boolean degraded = false;
    for (final Map.Entry<String, RegistryProbe> probe : registries.entrySet()) {
      final boolean reachable = probe.getValue().reachable();
      reachability.put(probe.getKey(), reachable ? "REACHABLE" : "UNREACHABLE for " + probe.getValue().downFor().toSeconds() + " s");
      degraded |= !reachable;
    }
    final String status = !up ? "DOWN" : degraded ? "DEGRADED" : "UP";
    final String body = "{\"status\":\"" + status + "\",\"processors\":" + object(states) + ",\"registries\":"
        + object(reachability) + "}";
    respond(exchange, up ? 200 : 503, "application/json", body);
  }

  /**
   * Liveness: 200 unless a processor has failed for good (ERROR, or on its way there), when
   * restarting the process is the cure. A processor that is starting or rebalancing is alive.
   */
  private void live(final HttpExchange exchange) throws IOException {
    final Map<String, String> states = new TreeMap<>();
    boolean alive = true;
    for (final FunnelProcessor processor : processors) {
      final KafkaStreams.State state = processor.streams().state();
      states.put(EcoTopic.prefix(processor.ecosystem()), state.name());
      alive &= state != KafkaStreams.State.ERROR && state != KafkaStreams.State.PENDING_ERROR;
    }
    respond(exchange, alive ? 200 : 503, "application/json",
        "{\"status\":\"" + (alive ? "LIVE" : "FAILED") + "\",\"processors\":" + object(states) + "}");
  }

  private static String object(final Map<String, String> entries) {
    final StringBuilder json = new StringBuilder("{");
    entries.forEach((key, value) -> json.append('"').append(key).append("\":\"").append(value).append("\","));
    if (!entries.isEmpty()) {
      json.setLength(json.length() - 1);
    }
    return json.append('}').toString();
  }

  private static void respond(final HttpExchange exchange, final int status, final String type, final String body) throws IOException {
    try (exchange) {
      final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", type);
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
