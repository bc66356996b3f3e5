package wxfunnel.metrics;

import com.sun.net.httpserver.HttpExchange;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.topics.EcoTopic;

/**
 * Prometheus text at {@code /metrics} (Micrometer), and {@code /health}: 200 with every
 * processor RUNNING, else 503 and which one is not.
 */
public final class MetricsServer implements AutoCloseable {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<FunnelProcessor> processors = new ArrayList<>();
  private final List<AutoCloseable> binders = new ArrayList<>();
  private final HttpServer http;

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
    server.http.start();
    return server;
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
    respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
  }

  private void health(final HttpExchange exchange) throws IOException {
    final Map<String, String> states = new TreeMap<>();
    boolean up = !processors.isEmpty();
    for (final FunnelProcessor processor : processors) {
      states.put(EcoTopic.prefix(processor.ecosystem()), processor.streams().state().name());
      up &= processor.isRunning();
    }
    final StringBuilder body = new StringBuilder("{\"status\":\"").append(up ? "UP" : "DOWN").append("\",\"processors\":{");
    states.forEach((eco, state) -> body.append('"').append(eco).append("\":\"").append(state).append("\","));
    if (!states.isEmpty()) {
      body.setLength(body.length() - 1);
    }
    body.append("}}");
    respond(exchange, up ? 200 : 503, "application/json", body.toString());
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
