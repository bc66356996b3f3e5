package wxfunnel.metrics;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Asks a schema registry every few seconds whether it answers. Processors keep working through an
 * outage on the schemas they have cached, so nothing else would notice it until a new schema id
 * arrives; this makes the degraded state visible on {@code /health} and as a metric.
 */
final class RegistryProbe implements AutoCloseable {

  private static final Duration EVERY = Duration.ofSeconds(2);
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  private final HttpRequest request;
  private final ScheduledExecutorService schedule;
  /** When the registry stopped answering; 0 while it answers. */
  private volatile long downSinceMs;

  RegistryProbe(final String url) {
    this.request = HttpRequest.newBuilder(URI.create(url + "/subjects")).timeout(TIMEOUT).GET().build();
    this.schedule = Executors.newSingleThreadScheduledExecutor(runnable -> {
      final Thread thread = new Thread(runnable, "wxfunnel-registry-probe");
      thread.setDaemon(true);
      return thread;
    });
    probe();
    schedule.scheduleWithFixedDelay(this::probe, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean reachable() {
    return downSinceMs == 0;
  }

  /** How long it has not answered; zero while it answers. */
  Duration downFor() {
    final long since = downSinceMs;
    return since == 0 ? Duration.ZERO : Duration.ofMillis(System.currentTimeMillis() - since);
  }

  private void probe() {
    boolean answered;
    try {
      answered = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() < 500;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      answered = false;
    } catch (Exception e) {
      answered = false;
    }
    if (answered) {
      downSinceMs = 0;
    } else if (downSinceMs == 0) {
      downSinceMs = System.currentTimeMillis();
    }
  }

  @Override
  public void close() {
    schedule.shutdownNow();
  }
}
