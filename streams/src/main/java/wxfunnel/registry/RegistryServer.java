package wxfunnel.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.registry.SchemaRepository.Entry;
import wxfunnel.registry.SchemaRepository.SchemaEntry;

/**
 * The local schema registry: the Confluent Schema Registry REST API over HTTP, storing its schemas
 * in a compacted Kafka topic so that ids survive a restart. BACKWARD compatibility by default.
 *
 * <p>It is one writer: run a single instance per registry topic. In production point wxfunnel at
 * Confluent Schema Registry, Karapace, Redpanda or Apicurio instead.
 */
public final class RegistryServer implements AutoCloseable {

  static final int MAX_BODY_BYTES = 1 << 20;
  private static final Logger log = LoggerFactory.getLogger(RegistryServer.class);
  private static final ObjectMapper json = new ObjectMapper();

  private final SchemaRepository repository;
  private final SchemaLog schemaLog;
  private final HttpServer http;
  private final ExecutorService workers;

  private RegistryServer(final SchemaLog schemaLog, final HttpServer http, final ExecutorService workers) {
    this.schemaLog = schemaLog;
    this.repository = new SchemaRepository(this::store);
    this.http = http;
    this.workers = workers;
  }

  /**
   * Starts a registry on {@code host:port} (0 for any free port) that stores its schemas in
   * {@code topic} of the Kafka cluster reached with {@code kafkaConfig}.
   */
  public static RegistryServer start(final Map<String, Object> kafkaConfig, final String topic,
      final String host, final int port) throws IOException {
    final SchemaLog schemaLog = new SchemaLog(kafkaConfig, topic);
    try {
      schemaLog.ensureTopic();
      final HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 64);
      final ExecutorService workers = Executors.newFixedThreadPool(4, runnable -> {
        final Thread thread = new Thread(runnable, "wxfunnel-registry-http");
        thread.setDaemon(true);
        return thread;
      });
      final RegistryServer server = new RegistryServer(schemaLog, http, workers);
      schemaLog.replay(server.repository::apply);
      http.createContext("/", server::handle);
      http.setExecutor(workers);
      http.start();
      log.info("schema registry serving {} from topic {}", server.url(), topic);
      return server;
    } catch (IOException | RuntimeException e) {
      schemaLog.close();
      throw e;
    }
  }

  public static RegistryServer start(final Map<String, Object> kafkaConfig, final int port) throws IOException {
    return start(kafkaConfig, SchemaLog.DEFAULT_TOPIC, "127.0.0.1", port);
  }

  public String url() {
    return "http://" + http.getAddress().getHostString() + ":" + http.getAddress().getPort();
  }

  public int port() {
    return http.getAddress().getPort();
  }

  @Override
  public void close() {
    http.stop(0);
    workers.shutdownNow();
    schemaLog.close();
  }

  private void handle(final HttpExchange exchange) throws IOException {
    try (exchange) {
      int status = 200;
      JsonNode body;
      try {
        body = route(exchange.getRequestMethod(), segments(exchange), exchange);
      } catch (RegistryException e) {
        status = e.status();
        body = error(e.errorCode(), e.getMessage());
      } catch (RuntimeException e) {
        log.error("registry request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
        status = 500;
        body = error(50001, "internal error: " + e.getClass().getSimpleName());
      }
      final byte[] bytes = json.writeValueAsBytes(body);
      exchange.getResponseHeaders().set("Content-Type", RegistryClient.CONTENT_TYPE);
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static List<String> segments(final HttpExchange exchange) {
    return Arrays.stream(exchange.getRequestURI().getPath().split("/")).filter(s -> !s.isEmpty()).toList();
  }

  private JsonNode route(final String method, final List<String> path, final HttpExchange exchange) throws IOException {
    final String first = path.isEmpty() ? "" : path.get(0);
    final int size = path.size();
    switch (method + " " + first + " " + size) {
      case "GET  0":
        return json.createObjectNode();
      case "GET subjects 1":
        return json.valueToTree(read(repository::subjects));
      case "GET subjects 3":
        if (path.get(2).equals("versions")) {
          return json.valueToTree(read(() -> repository.versions(path.get(1))));
        }
        break;
      case "POST subjects 3":
        if (path.get(2).equals("versions")) {
          return json.createObjectNode().put("id", register(path.get(1), schemaText(exchange)));
        }
        break;
      case "POST subjects 2": {
        final String schema = schemaText(exchange);
        return versionJson(read(() -> repository.lookup(path.get(1), schema)));
      }
      case "GET subjects 4":
        if (path.get(2).equals("versions")) {
          return versionJson(read(() -> repository.version(path.get(1), path.get(3))));
        }
        break;
      case "GET schemas 3":
        if (path.get(1).equals("ids")) {
          final int id = schemaId(path.get(2));
          return json.createObjectNode().put("schema", read(() -> repository.schemaById(id)).toString());
        }
        break;
      case "GET config 1":
        return json.createObjectNode().put("compatibilityLevel", read(repository::globalLevel).name());
      case "GET config 2":
        return json.createObjectNode().put("compatibilityLevel", subjectLevel(path.get(1), exchange).name());
      case "PUT config 1":
        return json.createObjectNode().put("compatibility", setLevel(null, exchange).name());
      case "PUT config 2":
        return json.createObjectNode().put("compatibility", setLevel(path.get(1), exchange).name());
      case "POST compatibility 5":
        if (path.get(1).equals("subjects") && path.get(3).equals("versions")) {
          final String schema = schemaText(exchange);
          final List<String> problems = read(() -> repository.compatibilityProblems(path.get(2), path.get(4), schema));
          final ObjectNode answer = json.createObjectNode().put("is_compatible", problems.isEmpty());
          if (isVerbose(exchange)) {
            answer.set("messages", json.valueToTree(problems));
          }
          return answer;
        }
        break;
      default:
        break;
    }
    throw new RegistryException(404, 404, "HTTP 404 Not Found: " + method + " " + exchange.getRequestURI().getPath());
  }

  private int register(final String subject, final String schema) {
    synchronized (repository) {
      return repository.register(subject, schema);
    }
  }

  /** Where the repository's changes go: the Kafka topic, so that they survive a restart. */
  private void store(final Entry entry) {
    schemaLog.append(entry);
    if (entry instanceof SchemaEntry s) {
      log.info("registered {} version {} as id {}", s.subject(), s.version(), s.id());
    }
  }

  private Compatibility subjectLevel(final String subject, final HttpExchange exchange) {
    final boolean defaultToGlobal = query(exchange).contains("defaultToGlobal=true");
    return read(() -> defaultToGlobal ? repository.levelOf(subject) : repository.subjectLevel(subject));
  }

  private Compatibility setLevel(final String subject, final HttpExchange exchange) throws IOException {
    final JsonNode body = readBody(exchange);
    final Compatibility level = Compatibility.parse(body.path("compatibility").asText(null));
    synchronized (repository) {
      repository.setLevel(subject, level);
    }
    return level;
  }

  private <T> T read(final Supplier<T> query) {
    synchronized (repository) {
      return query.get();
    }
  }

  private static String schemaText(final HttpExchange exchange) throws IOException {
    final JsonNode body = readBody(exchange);
    final String type = body.path("schemaType").asText("AVRO");
    if (!type.equals("AVRO")) {
      throw RegistryException.unprocessable(RegistryException.INVALID_SCHEMA,
          "Invalid schema: schemaType " + type + " is not supported here, only AVRO");
    }
    if (body.has("references") && body.get("references").size() > 0) {
      throw RegistryException.unprocessable(RegistryException.INVALID_SCHEMA,
          "Invalid schema: schema references are not supported here");
    }
    final JsonNode schema = body.get("schema");
    if (schema == null || !schema.isTextual()) {
      throw RegistryException.unprocessable(RegistryException.INVALID_SCHEMA, "Invalid schema: the body has no \"schema\" string");
    }
    return schema.asText();
  }

  private static JsonNode readBody(final HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      final byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
      if (bytes.length > MAX_BODY_BYTES) {
        throw new RegistryException(413, 413, "request body larger than " + MAX_BODY_BYTES + " bytes");
      }
      try {
        final JsonNode body = json.readTree(new String(bytes, StandardCharsets.UTF_8));
        if (body == null || !body.isObject()) {
          throw new RegistryException(400, 400, "request body must be a JSON object");
        }
        return body;
      } catch (JsonProcessingException e) {
        throw new RegistryException(400, 400, "malformed JSON: " + e.getOriginalMessage());
      }
    }
  }

  private static int schemaId(final String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw RegistryException.notFound(RegistryException.SCHEMA_NOT_FOUND, "Schema " + text + " not found");
    }
  }

  private static boolean isVerbose(final HttpExchange exchange) {
    return query(exchange).contains("verbose=true");
  }

  private static String query(final HttpExchange exchange) {
    final String query = exchange.getRequestURI().getQuery();
    return query == null ? "" : query;
  }

  private static ObjectNode versionJson(final SubjectVersion version) {
    return json.createObjectNode()
        .put("subject", version.subject())
        .put("version", version.version())
        .put("id", version.id())
        .put("schema", version.schema().toString());
  }

  private static ObjectNode error(final int errorCode, final String message) {
    return json.createObjectNode().put("error_code", errorCode).put("message", message);
  }
}
