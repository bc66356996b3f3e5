package wxfunnel.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import wxfunnel.generator.Generated;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficModel;
import wxfunnel.generator.TrafficSender;

/**
 * Generated traffic at a fixed rate in real event time: that of a generator already running for
 * {@link #WARM_UP}, so payments come at their steady share from the first second on. The warm-up
 * is generated and skipped when the traffic is made, which takes a while at high rates; the
 * records then go out at their times, shifted by that while (it makes them as late as a producer
 * delayed that long would).
 */
final class LiveTraffic {

  /** How long the traffic has flowed, in event time, when it starts. */
  private static final Duration WARM_UP = Duration.ofMinutes(3);

  private final Generator generator;
  private final long start;
  private Generated next;

  /**
   * Traffic at {@code rate} events per second, from now on for {@code duration}: what would be due
   * later (notifications retried for a day) is not made.
   */
  LiveTraffic(final double rate, final Duration duration, final long seed) {
    this.start = System.currentTimeMillis();
    this.generator = new Generator(Generator.Settings.of(seed, Long.MAX_VALUE)
        .withPersonsPerSecond(rate / TrafficModel.EVENTS_PER_PERSON).withoutDailyRhythm()
        .withStart(Instant.ofEpochMilli(start).minus(WARM_UP)).withEnd(Instant.ofEpochMilli(start).plus(duration)));
    this.next = generator.next();
    while (next.deliverAt() < start) {
      next = generator.next();
    }
  }

  /** Sends the traffic, each record at its time, showing it to {@code before} first; returns how many. */
  long send(final TrafficSender sender, final Consumer<Generated> before) throws InterruptedException {
    final long shift = System.currentTimeMillis() - start;
    long sent = 0;
    for (; next != null; next = generator.hasNext() ? generator.next() : null) {
      final long wait = next.deliverAt() + shift - System.currentTimeMillis();
      if (wait > 0) {
        Thread.sleep(wait);
      }
      before.accept(next);
      sender.send(next);
      sent++;
    }
    return sent;
  }
}
