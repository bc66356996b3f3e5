package wxfunnel.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.generator.Generated;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficModel;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.LocalProcess;
import wxfunnel.registry.RegistryClient;
import wxfunnel.registry.SchemaRegistry;
import wxfunnel.runtime.CommittedView;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topics.TopicAdmin;
import wxfunnel.topology.FunnelConfig;

/**
 * {@code wxfunnel bench}: the walled pipeline against the pass-through limit of the same machine.
 * A local broker and registry run as a child process (as a broker would run beside a processor);
 * generated events of both ecosystems are preloaded; then, in this JVM and on the same inputs, (a)
 * a pass-through Streams app and (b) both ecosystems' processors work through the backlog, exactly
 * once. That is done twice, each time on a fresh broker: with the inputs keyed by person (their
 * touches take the fast path), then keyed by each app's openid, as the platforms' callbacks have
 * them. On the latter, (c) live traffic, stepped up, finds the highest rate the processors hold;
 * and (d) live traffic at half that rate gives the event-to-output latency.
 */
public final class Bench {

  /** The preloaded events span half a day of event time, ending an hour ago (within the broker's retention). */
  private static final Duration SPAN = Duration.ofHours(12);
  private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(30);
  private static final long PROGRESS_EVERY = 200_000;

  /**
   * @param events events to preload, both ecosystems (the generator's 87/13 split), catalog included
   * @param threads stream threads per Streams app
   * @param instances Streams apps per ecosystem, each with its own state directory
   * @param commitInterval the commit interval of both apps
   * @param runs runs of each phase after a warm-up run of (a), alternating which goes first, the last ending with (b)
   * @param liveHold how long each step of the live rate holds its rate
   * @param liveSteps at most so many steps of the live rate (0: none, and the latency is at half of (b)'s rate)
   * @param latency how long live traffic plays for the latency phase
   */
  public record Options(long events, int partitions, int threads, int instances, Duration commitInterval, int runs,
      Duration liveHold, int liveSteps, Duration latency, long seed, Path dataDir, Path json, PrintStream out,
      PrintStream progress) {}

  /** One run of a phase: its sustained rate and this JVM's peaks while it ran. */
  public record Phase(long events, double seconds, double eventsPerSecond, long peakHeapMib, long peakRssMib) {}

  /** Every run of a phase, in the order they ran, and the median and spread of their rates. */
  public record Runs(List<Phase> runs, double medianEventsPerSecond, double minEventsPerSecond, double maxEventsPerSecond) {

    static Runs of(final List<Phase> runs) {
      final double[] rates = runs.stream().mapToDouble(Phase::eventsPerSecond).sorted().toArray();
      final int n = rates.length;
      final double median = n % 2 == 1 ? rates[n / 2] : (rates[n / 2 - 1] + rates[n / 2]) / 2;
      return new Runs(List.copyOf(runs), median, rates[0], rates[n - 1]);
    }
  }

  /** The runs of (a) and (b) on inputs keyed one way; the persons in state and the writes are of the last run of (b). */
  public record Backlog(String keyBy, Map<String, Long> inputsByEcosystem, Runs passThrough, Runs pipeline, double ratio,
      long personsInState, Map<String, Long> pipelineWritesByTopic, Map<String, Double> pipelineWritesPerEvent) {}

  /** Everything measured, as written to JSON; the live rate and latency are of the inputs keyed by app openid. */
  public record Result(String at, long events, int partitions, int threads, int instances, long commitIntervalMs, int cores,
      long maxHeapMib, Backlog byPerson, Backlog byAppOpenid, LiveRate.Result live, double liveRatio,
      LatencyProbe.Latency latency, Phase latencyPhase) {}

  private Bench() {}

  public static Result run(final Options options) throws Exception {
    final List<FunnelProcessor> processors = new ArrayList<>();
    final Backlog byPerson;
    // The processors stop before their broker.
    try (Local local = Local.start(options, Generator.KeyBy.PERSON)) {
      try {
        byPerson = local.backlog(processors);
      } finally {
        closeAll(processors);
      }
    }
    try (Local local = Local.start(options, Generator.KeyBy.APP_OPENID)) {
      try {
        return measureLive(local, byPerson, local.backlog(processors));
      } finally {
        closeAll(processors);
      }
    }
  }

  /** (c) and (d), on the processors of the last run of (b), left running. */
  private static Result measureLive(final Local local, final Backlog byPerson, final Backlog byAppOpenid) throws Exception {
    final Options options = local.options();
    final PrintStream progress = options.progress();
    final double passThrough = byAppOpenid.passThrough().medianEventsPerSecond();
    final double pipeline = byAppOpenid.pipeline().medianEventsPerSecond();
    final List<Names> last = pipelineNames(options.runs());
    final LiveRate.Result live = LiveRate.find(client(local.process()), local.registry(), local.admin(), last, pipeline / 2,
        options.liveHold(), options.liveSteps(), options.seed() + 2, progress);
    final double rate = (live.heldAsked() > 0 ? live.heldAsked() : pipeline) / 2;
    progress.printf("(d) latency: live traffic at %,.0f events/s for %d s%n", rate, options.latency().toSeconds());
    final LatencyProbe.Latency latency;
    final Phase latencyPhase;
    try (Peaks peaks = new Peaks()) {
      latency = LatencyProbe.measure(client(local.process()), local.registry(), last, rate, options.latency(), options.seed() + 1);
      latencyPhase = new Phase(0, options.latency().toSeconds(), rate, peaks.heapMib(), peaks.rssMib());
    }
    final Result result = new Result(Instant.now().toString(), events(byAppOpenid), options.partitions(), options.threads(),
        options.instances(), options.commitInterval().toMillis(), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20, byPerson, byAppOpenid, live, live.heldRate() / passThrough, latency, latencyPhase);
    print(result, options.out());
    if (options.json() != null) {
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(options.json().toFile(), result);
      options.out().println("written to " + options.json());
    }
    return result;
  }

  private static void closeAll(final List<FunnelProcessor> processors) {
    processors.forEach(FunnelProcessor::close);
    processors.clear();
  }

  private static long events(final Backlog backlog) {
    return backlog.inputsByEcosystem().values().stream().mapToLong(Long::longValue).sum();
  }

  /** A local broker and registry of their own, with the inputs preloaded keyed one way. */
  private record Local(Path dir, LocalProcess process, Admin admin, RegistryClient registry, Options options,
      Generator.KeyBy keyBy) implements AutoCloseable {

    static Local start(final Options options, final Generator.KeyBy keyBy) throws Exception {
      final Path dir = options.dataDir().resolve("by-" + keyBy.flag());
      options.progress().println("starting a local broker and registry under " + dir);
      Files.createDirectories(dir);
      final LocalProcess process = LocalProcess.start(dir.resolve("local"), 0, 0, dir.resolve("local.log"));
      final Local local = new Local(dir, process, Admin.create(client(process)), new RegistryClient(process.registryUrl()),
          options, keyBy);
      try {
        createTopics(process, options, local.admin());
        preload(process, local.registry(), options, keyBy);
        return local;
      } catch (Exception | Error e) {
        local.close();
        throw e;
      }
    }

    /**
     * A warm-up run of (a), then the runs of (a) and (b), alternating which goes first and ending
     * with (b), whose processors are left running in {@code processors}, caught up.
     */
    Backlog backlog(final List<FunnelProcessor> processors) throws Exception {
      final Map<String, Long> inputs = new TreeMap<>();
      for (final Ecosystem eco : Ecosystem.values()) {
        inputs.put(EcoTopic.prefix(eco), ProcessorLag.of(admin, PassThrough.names(eco, 1)));
      }
      final long events = inputs.values().stream().mapToLong(Long::longValue).sum();
      options.progress().printf("inputs keyed by %s%n", keyBy.flag());
      // A warm-up, not reported: the first pass over the backlog in a fresh JVM and broker is slower.
      passThrough(this, events, 0);
      final List<Phase> passThrough = new ArrayList<>();
      final List<Phase> pipeline = new ArrayList<>();
      for (int run = 1; run <= options.runs(); run++) {
        final boolean passThroughFirst = (options.runs() - run) % 2 == 0;
        closeAll(processors);
        if (passThroughFirst) {
          passThrough.add(passThrough(this, events, run));
        }
        pipeline.add(pipeline(this, events, run, processors));
        if (!passThroughFirst) {
          closeAll(processors);
          passThrough.add(passThrough(this, events, run));
        }
      }
      final List<Names> last = pipelineNames(options.runs());
      final Map<String, Long> byTopic = writesByTopic(admin, last);
      final Runs a = Runs.of(passThrough);
      final Runs b = Runs.of(pipeline);
      return new Backlog(keyBy.flag(), inputs, a, b, b.medianEventsPerSecond() / a.medianEventsPerSecond(),
          personsInState(process, registry, last), byTopic, perEventByKind(byTopic, last, events));
    }

    @Override
    public void close() throws InterruptedException {
      admin.close();
      process.close();
    }
  }

  /** Each run's pipeline is a shadow of its own: its own application, state and outputs, from the first input record. */
  private static List<Names> pipelineNames(final int run) {
    return Arrays.stream(Ecosystem.values()).map(eco -> new Names(eco, "bench-" + run)).toList();
  }

  /** Starts both ecosystems' processors into {@code started} (left running) and measures them through the backlog. */
  private static Phase pipeline(final Local local, final long events, final int run, final List<FunnelProcessor> started)
      throws Exception {
    final Options options = local.options();
    final Admin admin = local.admin();
    try (Peaks peaks = new Peaks()) {
      for (final Names names : pipelineNames(run)) {
        for (int i = 0; i < options.instances(); i++) {
          started.add(FunnelProcessor.start(names, FunnelConfig.defaults(names.ecosystem()), streams(local.process(), options),
              local.process().registryUrl(), local.dir().resolve("state-pipeline-" + run + "-" + i)));
        }
      }
      final Throughput.Measured measured = Throughput.measure("(b) pipeline, run " + run, admin,
          started.stream().map(FunnelProcessor::streams).toList(), pipelineNames(run), events, PHASE_TIMEOUT, options.progress());
      options.progress().printf("(b) pipeline, run %d: %,.0f events/s%n", run, measured.eventsPerSecond());
      // Not in the time measured: what they still had to tell their funnel rows, so the writes counted are all of them.
      ProcessorLag.awaitSettled(admin, pipelineNames(run), PHASE_TIMEOUT);
      return phase(measured, peaks);
    }
  }

  private static long personsInState(final LocalProcess local, final SchemaRegistry registry, final List<Names> pipeline) {
    long persons = 0;
    for (final Names names : pipeline) {
      final CommittedView<Conversion> ledger = new CommittedView<>(names, registry, conversion -> conversion);
      CommittedView.readAll(client(local), List.of(names.changelog(Names.LEDGER))).forEach(ledger::apply);
      persons += ledger.personsInState();
    }
    return persons;
  }

  private static Phase passThrough(final Local local, final long events, final int run) throws Exception {
    final Options options = local.options();
    final Admin admin = local.admin();
    final List<KafkaStreams> apps = new ArrayList<>();
    final List<Names> names = Arrays.stream(Ecosystem.values()).map(eco -> PassThrough.names(eco, run)).toList();
    try (Peaks peaks = new Peaks()) {
      for (final Names app : names) {
        for (int i = 0; i < options.instances(); i++) {
          apps.add(PassThrough.start(app, streams(local.process(), options),
              local.dir().resolve("state-passthrough-" + run + "-" + i)));
        }
      }
      final String what = "(a) pass-through, " + (run == 0 ? "warm-up" : "run " + run);
      final Throughput.Measured measured = Throughput.measure(what, admin, apps, names, events, PHASE_TIMEOUT, options.progress());
      options.progress().printf("%s: %,.0f events/s%n", what, measured.eventsPerSecond());
      return phase(measured, peaks);
    } finally {
      apps.forEach(KafkaStreams::close);
    }
  }

  /**
   * What the pipeline named {@code pipeline} wrote to each of its topics: repartition topics,
   * store changelogs and outputs (conversions, funnel rows, dead letters), as records and
   * transaction markers.
   */
  private static Map<String, Long> writesByTopic(final Admin admin, final List<Names> pipeline) throws Exception {
    final Set<String> existing = admin.listTopics().names().get();
    final List<String> topics = new ArrayList<>();
    for (final Names names : pipeline) {
      for (final String kind : KINDS) {
        topics.addAll(topicsOf(names, kind).stream().filter(existing::contains).toList());
      }
    }
    final Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
    admin.describeTopics(topics).allTopicNames().get().values().forEach(topic -> topic.partitions()
        .forEach(p -> ends.put(new TopicPartition(topic.name(), p.partition()), OffsetSpec.latest())));
    final Map<String, Long> writes = new TreeMap<>();
    admin.listOffsets(ends).all().get().forEach((partition, end) -> writes.merge(partition.topic(), end.offset(), Long::sum));
    return writes;
  }

  private static final List<String> KINDS = List.of("repartition", "changelog", "outputs");

  /** The topics of one kind of {@code names}' processor. */
  private static List<String> topicsOf(final Names names, final String kind) {
    return switch (kind) {
      case "repartition" -> names.repartitionTopics();
      case "changelog" -> Names.STORES.stream().map(names::changelog).toList();
      default -> EcoTopic.outputs().stream().map(names::topic).toList();
    };
  }

  /** Writes per input event by kind of topic, to two decimals. */
  private static Map<String, Double> perEventByKind(final Map<String, Long> byTopic, final List<Names> pipeline,
      final long events) {
    final Map<String, Double> perEvent = new TreeMap<>();
    for (final String kind : KINDS) {
      long writes = 0;
      for (final Names names : pipeline) {
        writes += topicsOf(names, kind).stream().mapToLong(topic -> byTopic.getOrDefault(topic, 0L)).sum();
      }
      perEvent.put(kind, Math.round(writes * 100.0 / events) / 100.0);
    }
    return perEvent;
  }

  private static Phase phase(final Throughput.Measured measured, final Peaks peaks) {
    return new Phase(measured.events(), measured.seconds(), measured.eventsPerSecond(), peaks.heapMib(), peaks.rssMib());
  }

  private static Map<String, Object> client(final LocalProcess local) {
    return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, local.bootstrapServers());
  }

  private static Map<String, Object> streams(final LocalProcess local, final Options options) {
    final Map<String, Object> streams = new HashMap<>(client(local));
    streams.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, options.threads());
    streams.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, options.commitInterval().toMillis());
    return streams;
  }

  private static void createTopics(final LocalProcess local, final Options options, final Admin admin) throws Exception {
    try (TopicAdmin topics = new TopicAdmin(client(local))) {
      topics.create(EnumSet.allOf(Ecosystem.class), options.partitions());
      for (int run = 1; run <= options.runs(); run++) {
        for (final Names names : pipelineNames(run)) {
          topics.recreateShadowOutputs(names.ecosystem(), names.shadow());
        }
      }
    }
    final List<NewTopic> outputs = new ArrayList<>();
    for (final Ecosystem eco : Ecosystem.values()) {
      outputs.add(new NewTopic(PassThrough.output(eco), options.partitions(), (short) 1));
    }
    admin.createTopics(outputs).all().get();
  }

  /** The preloaded events: {@code events} over {@link #SPAN} of event time from {@code start}, at a steady rate. */
  static Generator.Settings preload(final long seed, final long events, final Instant start) {
    return Generator.Settings.of(seed, events).withPersonsPerSecond(events / TrafficModel.EVENTS_PER_PERSON / SPAN.toSeconds())
        .withoutDailyRhythm().withStart(start);
  }

  private static void preload(final LocalProcess local, final RegistryClient registry, final Options options,
      final Generator.KeyBy keyBy) {
    final Generator generator = new Generator(preload(options.seed(), options.events(),
        Instant.now().minus(SPAN).minus(Duration.ofHours(1))).withKeyBy(keyBy));
    final long began = System.nanoTime();
    long sent = 0;
    try (TrafficSender sender = new TrafficSender(client(local), registry)) {
      while (generator.hasNext()) {
        final Generated record = generator.next();
        sender.send(record);
        if (++sent % PROGRESS_EVERY == 0) {
          options.progress().printf("preloading: %,d of %,d events (%,.0f/s)%n", sent, options.events(),
              sent / ((System.nanoTime() - began) / 1e9));
        }
      }
      sender.flush();
    }
  }

  private static void print(final Result r, final PrintStream out) {
    out.printf("wxfunnel bench: %,d input events (%s), %d partitions, %d stream thread(s), %d instance(s) per ecosystem,"
        + " commit interval %d ms, %d cores, max heap %,d MiB, %d runs of each phase%n", r.events(),
        r.byAppOpenid().inputsByEcosystem(), r.partitions(), r.threads(), r.instances(), r.commitIntervalMs(), r.cores(),
        r.maxHeapMib(), r.byAppOpenid().pipeline().runs().size());
    print(r.byPerson(), r.events(), out);
    print(r.byAppOpenid(), r.events(), out);
    r.live().steps().forEach(step -> out.printf("(c) live %,.0f events/s asked: %,d sent in %.1f s (%,.0f/s), largest of %d lag"
        + " samples over the second half %,d: %s%n", step.rate(), step.sent(), step.seconds(), step.sentPerSecond(), step.samples(),
        step.maxLag(), step.held() ? "held" : "not held"));
    out.printf("(c) highest live rate held %,.0f events/s; / a (median) %.2f%n", r.live().heldRate(), r.liveRatio());
    final LatencyProbe.Latency l = r.latency();
    out.printf("(d) latency at %,.0f events/s asked (half of the live rate held, else of b's median), %,.0f sent: p50 %,d ms,"
        + " p99 %,d ms, max %,d ms over %,d payments; peak heap %,d MiB, RSS %,d MiB%n", l.rate(), l.sentPerSecond(),
        l.p50Ms(), l.p99Ms(), l.maxMs(), l.payments(), r.latencyPhase().peakHeapMib(), r.latencyPhase().peakRssMib());
    out.printf("(d) funnel rows: p50 %,d ms, p99 %,d ms, max %,d ms over %,d probe scans%n", l.rowP50Ms(), l.rowP99Ms(), l.rowMaxMs(),
        l.probes());
  }

  private static void print(final Backlog backlog, final long events, final PrintStream out) {
    out.printf("inputs keyed by %s%n", backlog.keyBy());
    out.printf("%-34s %12s %17s %14s %13s%n", "phase", "median events/s", "min-max", "peak heap MiB", "peak RSS MiB");
    row(out, "(a) pass-through, exactly once", backlog.passThrough());
    row(out, "(b) walled pipeline, exactly once", backlog.pipeline());
    out.printf("%-34s %,12d%n", "persons in state after (b)", backlog.personsInState());
    out.printf("%-34s %12.2f%n", "b/a (medians)", backlog.ratio());
    out.printf("(b) writes per input event (records and commit markers): %s%n", backlog.pipelineWritesPerEvent());
    backlog.pipelineWritesByTopic().forEach((topic, writes) -> out.printf("    %-66s %6.3f%n", topic, (double) writes / events));
  }

  private static void row(final PrintStream out, final String name, final Runs runs) {
    out.printf("%-34s %,12.0f %,8.0f-%,8.0f %,14d %,13d%n", name, runs.medianEventsPerSecond(), runs.minEventsPerSecond(),
        runs.maxEventsPerSecond(), runs.runs().stream().mapToLong(Phase::peakHeapMib).max().orElse(0),
        runs.runs().stream().mapToLong(Phase::peakRssMib).max().orElse(0));
  }
}
