package wxfunnel.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/** Plain HTTP calls, to see exactly what a server answers. */
public final class Http {

  private static final HttpClient client = HttpClient.newHttpClient();
  private static final ObjectMapper json = new ObjectMapper();

  /** A status and its JSON body. */
  public record Answer(int status, JsonNode body, String contentType) {}

  private Http() {}

  public static Answer call(final String method, final String url, final String body) {
    final HttpRequest request = HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
    try {
      final HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), json.readTree(response.body()),
          response.headers().firstValue("Content-Type").orElse(""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The body of a GET, whatever its type; fails on a non-2xx status. */
  public static String get(final String url) throws IOException, InterruptedException {
    final HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IOException("GET " + url + ": HTTP " + response.statusCode());
    }
    return response.body();
  }

  /** Adds the body of a GET to {@code answers}, if the server answers (it may not be up yet, or be closing). */
  public static void collect(final String url, final List<String> answers) {
    try {
      answers.add(get(url));
    } catch (IOException e) {
      // Not up yet, or closing.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code {"schema": "<schema>"}} with the schema JSON-escaped. */
  public static String schemaBody(final String schema) {
    return json.createObjectNode().put("schema", schema).toString();
  }

  public static JsonNode parse(final String text) {
    try {
      return json.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
