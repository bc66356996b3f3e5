package wxfunnel.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import wxfunnel.events.Ecosystem;
import wxfunnel.generator.Generated;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficModel;
import wxfunnel.generator.TrafficSender;

/** {@code wxfunnel generate}: deterministic simulated traffic into the ecosystems' input topics. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Send deterministic simulated WeChat / Weixin traffic to the input topics: the same seed and flags give the same records, byte for byte.")
final class GenerateCommand implements Callable<Integer> {

  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(2);
  private static final ZoneId BEIJING = ZoneId.of("Asia/Shanghai");

  @Mixin
  ClientOptions client;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--events", paramLabel = "N", defaultValue = "100000", description = "Records to send, catalog included (default: ${DEFAULT-VALUE}).")
  long events;

  @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "0", description = "Records per second at most; 0 for as fast as possible (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--ecosystem", paramLabel = "wechat|weixin|both", defaultValue = "both", converter = EcosystemChoice.class,
      description = "Ecosystem(s) to generate for (default: ${DEFAULT-VALUE}).")
  Set<Ecosystem> ecosystems;

  @Option(names = "--start", paramLabel = "INSTANT",
      description = "Simulated time of the first arrival, ISO-8601 (default: today 00:00 in Beijing; give it for the same bytes on another day).")
  Instant start;

  @Option(names = "--realtime",
      description = "Event time is the wall clock: traffic starts now, at --rate records per second on average, and each record is sent when it happens. For a stack that runs for days: its inputs never fall out of retention or ahead of the broker's clock.")
  boolean realtime;

  @Mixin
  ProducerOptions producers;

  @Option(names = "--persons-per-second", paramLabel = "N", defaultValue = "2",
      description = "Arrivals per simulated second at the busiest hour (default: ${DEFAULT-VALUE}).")
  double personsPerSecond;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    final Generator generator = new Generator(settings());
    try (TrafficSender sender = new TrafficSender(client.kafkaConfig(), client.registry())) {
      final long began = System.nanoTime();
      long reported = began;
      long sent = 0;
      while (generator.hasNext()) {
        final Generated record = generator.next();
        if (realtime && !waitUntil(record.deliverAt())) {
          break;
        }
        sender.send(record);
        sent++;
        if (!realtime) {
          pace(began, sent);
        }
        if (System.nanoTime() - reported >= PROGRESS_EVERY.toNanos()) {
          reported = System.nanoTime();
          progress(sent, began);
        }
      }
      sender.flush();
      progress(sent, began);
    }
    return 0;
  }

  private Generator.Settings settings() {
    final Generator.Settings settings = producers.apply(Generator.Settings.of(seed, events).withEcosystems(ecosystems));
    if (!realtime) {
      return settings.withPersonsPerSecond(personsPerSecond).withStart(start == null ? todayInBeijing() : start);
    }
    if (start != null || rate <= 0) {
      throw new ParameterException(spec.commandLine(), "--realtime starts now and needs --rate above 0; it takes no --start");
    }
    return settings.withPersonsPerSecond(rate / TrafficModel.EVENTS_PER_PERSON).withoutDailyRhythm().withStart(Instant.now());
  }

  /** Sleeps until the wall clock reaches {@code epochMillis}; false when interrupted meanwhile. */
  private static boolean waitUntil(final long epochMillis) {
    try {
      for (long wait = epochMillis - System.currentTimeMillis(); wait > 0; wait = epochMillis - System.currentTimeMillis()) {
        Thread.sleep(wait);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Recent enough for the brokers' time-based retention to keep what is generated. */
  private static Instant todayInBeijing() {
    return LocalDate.now(BEIJING).atStartOfDay(BEIJING).toInstant();
  }

  private void pace(final long began, final long sent) {
    if (rate <= 0) {
      return;
    }
    final long due = began + (long) (sent / rate * 1e9);
    final long wait = due - System.nanoTime();
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void progress(final long sent, final long began) {
    final double seconds = Math.max(1e-9, (System.nanoTime() - began) / 1e9);
    System.err.printf("generated %,d/%,d records (%.0f%%, %,.0f/s)%n", sent, events, 100.0 * sent / events, sent / seconds);
  }
}
