package wxfunnel.demo;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import wxfunnel.generator.Generated;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficSender;

/**
 * Plays generated traffic in real time: each record is sent once the wall clock reaches its
 * delivery time, so a backfill goes out at once and the rest as it happens.
 */
final class TrafficLoop implements Runnable {

  private static final long IDLE_MS = 20;

  private final Generator generator;
  private final TrafficSender sender;
  private final Map<String, AtomicLong> sent = new ConcurrentHashMap<>();
  private volatile boolean stopping;
  private volatile RuntimeException failure;

  TrafficLoop(final Generator generator, final TrafficSender sender) {
    this.generator = generator;
    this.sender = sender;
  }

  @Override
  public void run() {
    try {
      while (!stopping && generator.hasNext()) {
        final Generated record = generator.next();
        // The wait is read once per turn: the clock may pass the delivery time between two readings.
        for (long wait = record.deliverAt() - System.currentTimeMillis(); !stopping && wait > 0;
            wait = record.deliverAt() - System.currentTimeMillis()) {
          Thread.sleep(Math.min(IDLE_MS, wait));
        }
        if (stopping) {
          break;
        }
        sender.send(record);
        sent.computeIfAbsent(record.topic().substring(0, record.topic().indexOf('.')), k -> new AtomicLong()).incrementAndGet();
      }
      sender.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      failure = e;
    }
  }

  void stop() {
    stopping = true;
  }

  /** Records sent per ecosystem so far. */
  Map<String, Long> sent() {
    final Map<String, Long> counts = new TreeMap<>();
    sent.forEach((eco, n) -> counts.put(eco, n.get()));
    return counts;
  }

  /** The error that stopped the loop, if any. */
  RuntimeException failure() {
    return failure;
  }
}
