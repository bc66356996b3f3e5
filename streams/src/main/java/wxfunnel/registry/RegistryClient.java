package wxfunnel.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the Confluent Schema Registry REST API, which Confluent Schema Registry, Karapace,
 * Redpanda, Apicurio ({@code /apis/ccompat/v7}) and the local registry all serve.
 *
 * <p>Ids are cached, so a running serde asks the registry once per schema. A registry that cannot
 * be reached, or answers 5xx or 429, is asked again with exponential backoff for up to {@code
 * retryFor}; only then does the call fail, with the last cause.
 */
public final class RegistryClient implements SchemaRegistry {

  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  public static final Duration DEFAULT_RETRY_FOR = Duration.ofMinutes(2);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final Logger log = LoggerFactory.getLogger(RegistryClient.class);
  private static final ObjectMapper json = new ObjectMapper();

  private final String baseUrl;
  private final Duration retryFor;
  private final HttpClient http;
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

  private record SubjectSchema(String subject, Schema schema) {}

  public RegistryClient(final String baseUrl) {
    this(baseUrl, DEFAULT_RETRY_FOR);
  }

  public RegistryClient(final String baseUrl, final Duration retryFor) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.retryFor = retryFor;
    this.http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
  }

  @Override
  public String baseUrl() {
    return baseUrl;
  }

  @Override
  public int register(final String subject, final Schema schema) {
    return idsBySubjectSchema.computeIfAbsent(new SubjectSchema(subject, schema), key -> {
      final JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
      final int id = answer.path("id").asInt();
      schemasById.putIfAbsent(id, schema);
      return id;
    });
  }

  @Override
  public int idOf(final String subject, final Schema schema) {
    return idsBySubjectSchema.computeIfAbsent(new SubjectSchema(subject, schema),
        key -> lookup(subject, schema).id());
  }

  @Override
  public SubjectVersion lookup(final String subject, final Schema schema) {
    return subjectVersion(send("POST", "/subjects/" + encode(subject), schemaBody(schema)));
  }

  /** {@code GET /schemas/ids/{id}}, cached. */
  @Override
  public Schema schemaById(final int id) {
    return schemasById.computeIfAbsent(id,
        key -> parse(send("GET", "/schemas/ids/" + id, null).path("schema").asText()));
  }

  @Override
  public SubjectVersion version(final String subject, final String version) {
    return subjectVersion(send("GET", "/subjects/" + encode(subject) + "/versions/" + encode(version), null));
  }

  @Override
  public Compatibility compatibility(final String subject) {
    return Compatibility.parse(send("GET", "/config/" + encode(subject), null).path("compatibilityLevel").asText());
  }

  @Override
  public Compatibility globalCompatibility() {
    return Compatibility.parse(send("GET", "/config", null).path("compatibilityLevel").asText());
  }

  @Override
  public void setCompatibility(final String subject, final Compatibility level) {
    final ObjectNode body = json.createObjectNode().put("compatibility", level.name());
    send("PUT", "/config/" + encode(subject), body);
  }

  @Override
  public boolean isCompatible(final String subject, final String version, final Schema schema) {
    final String path = "/compatibility/subjects/" + encode(subject) + "/versions/" + encode(version);
    return send("POST", path, schemaBody(schema)).path("is_compatible").asBoolean();
  }

  private static ObjectNode schemaBody(final Schema schema) {
    return json.createObjectNode().put("schemaType", "AVRO").put("schema", schema.toString());
  }

  private static SubjectVersion subjectVersion(final JsonNode node) {
    return new SubjectVersion(node.path("subject").asText(), node.path("id").asInt(),
        node.path("version").asInt(), parse(node.path("schema").asText()));
  }

  private static Schema parse(final String schema) {
    return new Schema.Parser().parse(schema);
  }

  private JsonNode send(final String method, final String path, final JsonNode body) {
    final HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(REQUEST_TIMEOUT)
        .header("Accept", CONTENT_TYPE)
        .header("Content-Type", CONTENT_TYPE)
        .method(method, body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
    final long deadline = System.nanoTime() + retryFor.toNanos();
    Duration backoff = FIRST_BACKOFF;
    for (int attempt = 1; ; attempt++) {
      final RuntimeException failure;
      try {
        return answer(method, path, http.send(request, HttpResponse.BodyHandlers.ofString()));
      } catch (RegistryException e) {
        if (!e.isRetriable()) {
          throw e;
        }
        failure = e;
      } catch (IOException e) {
        failure = new RegistryException(503, 50300,
            "schema registry at " + baseUrl + " unreachable: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : " " + e.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RegistryException(503, 50300, "interrupted while calling the schema registry at " + baseUrl);
      }
      if (System.nanoTime() + backoff.toNanos() > deadline) {
        throw failure;
      }
      log.warn("{} {} failed (attempt {}): {}; retrying in {} ms", method, path, attempt, failure.getMessage(), backoff.toMillis());
      sleep(backoff);
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }
  }

  private static JsonNode answer(final String method, final String path, final HttpResponse<String> response) {
    final JsonNode body = readJson(response.body());
    if (response.statusCode() / 100 == 2) {
      return body;
    }
    final int errorCode = body.path("error_code").asInt(response.statusCode());
    final String message = body.path("message").asText("HTTP " + response.statusCode());
    throw new RegistryException(response.statusCode(), errorCode,
        method + " " + path + ": " + message + " (error_code " + errorCode + ")");
  }

  private static JsonNode readJson(final String text) {
    try {
      return text == null || text.isBlank() ? json.createObjectNode() : json.readTree(text);
    } catch (IOException e) {
      return json.createObjectNode().put("message", "not JSON: " + abbreviate(text));
    }
  }

  private static String abbreviate(final String text) {
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }

  private static String encode(final String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static void sleep(final Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(503, 50300, "interrupted while waiting for the schema registry");
    }
  }
}
