package wxfunnel.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.StreamsConfig;
import wxfunnel.egress.Egress;
import wxfunnel.events.Ecosystem;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficModel;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.LocalStack;
import wxfunnel.metrics.CommittedMetrics;
import wxfunnel.metrics.MetricsServer;
import wxfunnel.query.QueryHandler;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topology.FunnelConfig;

/**
 * The main job with nothing installed: a local broker and registry, both walled processors,
 * simulated traffic, {@code /metrics} and {@code /health}, and a live view of the committed
 * outputs, WeChat and Weixin side by side.
 */
public final class Demo {

  /**
   * @param duration how long to run; null until stopped
   * @param rate records per second, roughly
   * @param injectDropAt after this long, the drop campaign converts far worse; null never
   * @param prometheus a local Prometheus to start with it; null for none
   * @param backfill how much traffic from before the start to send at once, so the view fills quickly
   * @param summaryFile where to write the final summary as JSON; null for nowhere
   * @param semantics each ecosystem's lookback, windows and grace ({@code FunnelConfig::defaults} for DESIGN's)
   * @param producers what the simulated producers do: how they key their records, what they get wrong
   * @param logs where the process's log lines go instead of the screen; null to leave them where they are
   * @param minCellUsers the fewest persons behind a number that leaves an ecosystem (DESIGN 6a), on the screen, in
   *     the summary and at /metrics
   */
  public record Options(Duration duration, double rate, long seed, Duration injectDropAt, LocalPrometheus.Settings prometheus,
      int metricsPort, Path dataDir, Duration backfill, Path summaryFile, PrintStream out,
      Function<Ecosystem, FunnelConfig> semantics, UnaryOperator<Generator.Settings> producers, LogFile logs, int minCellUsers) {}

  private static final int PARTITIONS = 3;
  private static final Duration REFRESH = Duration.ofSeconds(2);
  private static final Duration PLAIN_REFRESH = Duration.ofSeconds(10);
  private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);
  private static final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Demo() {}

  /** Runs until the duration ends or {@code stop} is set; returns the committed outputs' summary. */
  public static Summary run(final Options options, final AtomicBoolean stop) throws Exception {
    final PrintStream out = options.out();
    final Instant began = Instant.now();
    try (LocalStack stack = LocalStack.start(options.dataDir().resolve("local"), 0, 0)) {
      out.println("kafka=" + stack.bootstrapServers() + " registry=" + stack.registryUrl()
          + (options.logs() == null ? "" : " logs=" + options.logs().path()));
      try (TopicAdmin topics = new TopicAdmin(stack.kafka().clientConfig())) {
        topics.create(EnumSet.allOf(Ecosystem.class), PARTITIONS);
      }
      final List<FunnelProcessor> processors = new ArrayList<>();
      // One egress per ecosystem: the screen, the summary and /metrics release the same numbers, in the same steps.
      final Map<Ecosystem, Egress> walls = new EnumMap<>(Ecosystem.class);
      for (final Ecosystem eco : Ecosystem.values()) {
        walls.put(eco, new Egress(options.minCellUsers(), Egress.DEFAULT_TOP_CAMPAIGNS));
      }
      try (MetricsServer metrics = MetricsServer.start("127.0.0.1", options.metricsPort());
          LocalPrometheus prometheus = options.prometheus() == null ? null
              : LocalPrometheus.start(options.prometheus(), options.dataDir(), metrics.port(), out)) {
        for (final Ecosystem eco : Ecosystem.values()) {
          final Map<String, Object> kafka = new HashMap<>(stack.kafka().clientConfig());
          kafka.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + metrics.port());
          final FunnelProcessor processor = FunnelProcessor.start(eco, options.semantics().apply(eco), kafka, stack.registryUrl(),
              options.dataDir().resolve("state"));
          processors.add(processor);
          metrics.serve(QueryHandler.prefix(eco), new QueryHandler(eco, processor.queries()));
          metrics.watchRegistry(eco, stack.registryUrl());
        }
        final List<CommittedMetrics> business = new ArrayList<>();
        try {
          for (final FunnelProcessor processor : processors) {
            business.add(metrics.follow(processor, stack.kafka().clientConfig(), stack.registryUrl(),
                options.semantics().apply(processor.ecosystem()),
                walls.get(processor.ecosystem()), STARTUP_TIMEOUT));
          }
          out.println("metrics=" + metrics.url() + "/metrics health=" + metrics.url() + "/health queries=" + metrics.url() + "/query/");
          final Summary summary = play(options, stack, began, stop, walls);
          report(options, summary);
          return summary;
        } finally {
          business.forEach(CommittedMetrics::close);
        }
      } finally {
        processors.forEach(FunnelProcessor::close);
      }
    }
  }

  private static Summary play(final Options options, final LocalStack stack, final Instant began, final AtomicBoolean stop,
      final Map<Ecosystem, Egress> walls) throws Exception {
    final PrintStream out = options.out();
    final RegistryClient registry = new RegistryClient(stack.registryUrl());
    final Instant dropAt = options.injectDropAt() == null ? null : began.plus(options.injectDropAt());
    if (dropAt != null) {
      out.println("injecting a conversion drop for weixin campaign " + Generator.Settings.DEFAULT_DROP_CAMPAIGN + " at "
          + LocalTime.ofInstant(dropAt, ZoneId.systemDefault()).truncatedTo(ChronoUnit.SECONDS));
    }
    final Generator generator = new Generator(options.producers().apply(Generator.Settings.of(options.seed(), Long.MAX_VALUE)
        .withPersonsPerSecond(options.rate() / TrafficModel.EVENTS_PER_PERSON).withoutDailyRhythm()
        .withStart(began.minus(options.backfill())).withDropAt(dropAt)));
    try (TrafficSender sender = new TrafficSender(stack.kafka().clientConfig(), registry);
        OutputView view = new OutputView(stack.kafka().clientConfig(), registry, walls, options.semantics());
        Admin admin = Admin.create(stack.kafka().clientConfig())) {
      final TrafficLoop traffic = new TrafficLoop(generator, sender);
      final Thread thread = new Thread(traffic, "wxfunnel-demo-traffic");
      thread.start();
      final boolean live = System.console() != null;
      final Duration refresh = live ? REFRESH : PLAIN_REFRESH;
      Instant nextDraw = Instant.now();
      Map<String, Long> lastSent = traffic.sent();
      Instant lastDraw = Instant.now();
      while (!stop.get() && (options.duration() == null || Instant.now().isBefore(began.plus(options.duration())))) {
        view.poll(Duration.ofMillis(200));
        if (traffic.failure() != null) {
          throw traffic.failure();
        }
        if (Instant.now().isAfter(nextDraw)) {
          final Map<String, Long> sent = traffic.sent();
          final String header = String.format("wxfunnel demo  %s elapsed  (Ctrl-C to stop)%s",
              Duration.between(began, Instant.now()).truncatedTo(ChronoUnit.SECONDS).toString().substring(2).toLowerCase(Locale.ROOT),
              options.logs() == null ? "" : "  " + options.logs().summary());
          out.print((live ? "\033[H\033[2J" : "") + LiveView.render(view.summary(), perSecond(lastSent, sent, lastDraw), header));
          out.flush();
          lastSent = sent;
          lastDraw = Instant.now();
          nextDraw = lastDraw.plus(refresh);
        }
      }
      traffic.stop();
      thread.join();
      if (traffic.failure() != null) {
        throw traffic.failure();
      }
      out.println("stopping traffic after " + traffic.sent() + " records; waiting for the processors to commit everything");
      drain(admin, view);
      return view.summary();
    }
  }

  private static Map<String, Double> perSecond(final Map<String, Long> before, final Map<String, Long> now, final Instant since) {
    final double seconds = Math.max(0.001, Duration.between(since, Instant.now()).toMillis() / 1000.0);
    final Map<String, Double> rates = new HashMap<>();
    now.forEach((eco, n) -> rates.put(eco, (n - before.getOrDefault(eco, 0L)) / seconds));
    return rates;
  }

  /** Waits until both processors have settled, and the view has read everything they committed. */
  private static void drain(final Admin admin, final OutputView view) throws Exception {
    final Instant deadline = Instant.now().plus(DRAIN_TIMEOUT);
    ProcessorLag.awaitSettled(admin, Arrays.stream(Ecosystem.values()).map(Names::new).toList(), DRAIN_TIMEOUT);
    while (!view.caughtUp()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("the processors did not catch up within " + DRAIN_TIMEOUT);
      }
      view.poll(Duration.ofMillis(500));
    }
  }

  private static void report(final Options options, final Summary summary) throws IOException {
    options.out().print(LiveView.render(summary, Map.of(), "summary of the committed outputs"));
    if (options.logs() != null) {
      options.out().println(options.logs().summary());
    }
    if (options.summaryFile() != null) {
      Files.writeString(options.summaryFile(), json.writeValueAsString(summary));
      options.out().println("summary written to " + options.summaryFile());
    }
  }

}
