package wxfunnel.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentKind;
import wxfunnel.events.Ecosystem;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;

/**
 * The query API of one ecosystem, under {@code /query/<eco>/}, as JSON (see the README's "Queries
 * over the live state"): {@code funnel}, {@code content}, {@code conversions/<transaction_id>},
 * {@code top-content}. 400 for a question that is not well formed, 404 for what is not asked
 * here, 503 while the processor cannot answer (starting, rebalancing, another instance down).
 */
public final class QueryHandler implements HttpHandler {

  /** {@code scope=local}: this instance's own part only, as another instance asks for it. */
  static final String LOCAL = "local";
  private static final Set<String> VIEWS = Set.of(Names.FUNNEL_VIEW, Names.CONTENT_VIEW, Names.CONVERSIONS_VIEW);
  private static final int DEFAULT_TOP = 10;
  private static final int MAX_TOP = 1_000;
  private static final Logger log = LoggerFactory.getLogger(QueryHandler.class);
  private static final ObjectMapper json = new ObjectMapper();

  private final Ecosystem ecosystem;
  private final Queries queries;

  public QueryHandler(final Ecosystem ecosystem, final Queries queries) {
    this.ecosystem = ecosystem;
    this.queries = queries;
  }

  /** {@code /query/<eco>/}: where an ecosystem's queries are served. */
  public static String prefix(final Ecosystem ecosystem) {
    return "/query/" + EcoTopic.prefix(ecosystem) + "/";
  }

  @Override
  public void handle(final HttpExchange exchange) throws IOException {
    final String path = exchange.getRequestURI().getPath().substring(prefix(ecosystem).length() - 1);
    try {
      respond(exchange, 200, answer(path, parameters(exchange.getRequestURI().getRawQuery())));
    } catch (IllegalArgumentException e) {
      respond(exchange, 400, error(e.getMessage()));
    } catch (Queries.Unavailable e) {
      respond(exchange, 503, error(e.getMessage()));
    } catch (IllegalStateException e) {
      // Kafka Streams is not running (starting, stopping, failed).
      respond(exchange, 503, error(e.getMessage()));
    } catch (NotFound e) {
      respond(exchange, 404, error(e.getMessage()));
    } catch (RuntimeException e) {
      // The exception's message may quote a key: only its type is logged.
      log.error("{} query {} failed: {}", ecosystem, path.length() > 1 ? path.substring(1).split("/")[0] : "/", e.getClass().getName());
      respond(exchange, 500, error("the query failed: " + e.getClass().getSimpleName()));
    }
  }

  private JsonNode answer(final String path, final Map<String, String> query) {
    final boolean everywhere = !LOCAL.equals(query.get("scope"));
    if (path.equals("/funnel")) {
      return queries.funnel(required(query, "campaign"), from(query), to(query));
    }
    if (path.equals("/content")) {
      if (query.containsKey("campaign")) {
        return queries.contentOfCampaign(query.get("campaign"), from(query), to(query), everywhere);
      }
      return queries.content(kind(required(query, "kind")), required(query, "id"), from(query), to(query));
    }
    if (path.startsWith("/conversions/") && path.length() > "/conversions/".length()) {
      return queries.conversion(path.substring("/conversions/".length()));
    }
    if (path.equals("/top-content")) {
      final int n = query.containsKey("n") ? number(query.get("n"), "n") : DEFAULT_TOP;
      if (n < 1 || n > MAX_TOP) {
        throw new IllegalArgumentException("n is from 1 to " + MAX_TOP + ", not " + n);
      }
      return queries.top(model(query.getOrDefault("model", AttributionModel.LAST_TOUCH.name())),
          query.containsKey("kind") ? kind(query.get("kind")) : null, required(query, "currency"), from(query), to(query), n, everywhere);
    }
    if (path.equals("/key") && VIEWS.contains(query.get("view"))) {
      final ObjectNode answer = json.createObjectNode();
      answer.set("value", queries.local(query.get("view"), required(query, "key"), number(required(query, "partition"), "partition")));
      return answer;
    }
    throw new NotFound("no query " + path + " here: funnel, content, conversions/<transaction_id> or top-content");
  }

  /** {@code from}, the first day of the range. */
  private static LocalDate from(final Map<String, String> query) {
    return day(query, "from");
  }

  /** {@code to}, the last day of the range (included), at most {@link Queries#MAX_DAYS} days after {@code from}. */
  private static LocalDate to(final Map<String, String> query) {
    final LocalDate from = from(query);
    final LocalDate to = day(query, "to");
    if (to.isBefore(from) || ChronoUnit.DAYS.between(from, to) >= Queries.MAX_DAYS) {
      throw new IllegalArgumentException("from " + from + " to " + to + ": a range of 1 to " + Queries.MAX_DAYS + " days");
    }
    return to;
  }

  private static LocalDate day(final Map<String, String> query, final String name) {
    try {
      return LocalDate.parse(required(query, name));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(name + " is a day, yyyy-MM-dd");
    }
  }

  private static ContentKind kind(final String value) {
    try {
      return ContentKind.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("kind is ARTICLE, SCENE or COUPON");
    }
  }

  private static AttributionModel model(final String value) {
    try {
      return AttributionModel.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("model is LAST_TOUCH, FIRST_TOUCH, LINEAR or POSITION_BASED");
    }
  }

  private static int number(final String value, final String name) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is a number");
    }
  }

  private static String required(final Map<String, String> query, final String name) {
    final String value = query.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("missing parameter " + name);
    }
    return value;
  }

  private static Map<String, String> parameters(final String raw) {
    final Map<String, String> parameters = new HashMap<>();
    if (raw != null) {
      for (final String pair : raw.split("&")) {
        final int equals = pair.indexOf('=');
        if (equals > 0) {
          parameters.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return parameters;
  }

  private static JsonNode error(final String message) {
    return json.createObjectNode().put("error", message);
  }

  private static void respond(final HttpExchange exchange, final int status, final JsonNode body) throws IOException {
    try (exchange) {
      final byte[] bytes = json.writeValueAsBytes(body);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  /** A path no query answers. */
  private static final class NotFound extends RuntimeException {
    NotFound(final String message) {
      super(message);
    }
  }
}
