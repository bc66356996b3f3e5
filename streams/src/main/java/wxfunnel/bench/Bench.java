package wxfunnel.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
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
 * once; and (c) with the processors caught up, live traffic at half of (b)'s rate gives the
 * event-to-output latency.
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
   * @param latency how long live traffic plays for the latency phase
   */
  public record Options(long events, int partitions, int threads, int instances, Duration latency, long seed, Path dataDir,
      Path json, PrintStream out, PrintStream progress) {}

  /** One phase: its sustained rate and this JVM's peaks while it ran. */
  public record Phase(long events, double seconds, double eventsPerSecond, long peakHeapMib, long peakRssMib) {}

  /** Everything measured, as written to JSON. */
  public record Result(String at, long events, Map<String, Long> inputsByEcosystem, int partitions, int threads,
      int instances, int cores, long maxHeapMib, Phase passThrough, Phase pipeline, long personsInState,
      Map<String, Double> pipelineWritesPerEvent, double ratio, LatencyProbe.Latency latency, Phase latencyPhase) {}

  private Bench() {}

  public static Result run(final Options options) throws Exception {
    Files.createDirectories(options.dataDir());
    final PrintStream progress = options.progress();
    progress.println("starting a local broker and registry under " + options.dataDir());
    try (LocalProcess local = LocalProcess.start(options.dataDir().resolve("local"), 0, 0, options.dataDir().resolve("local.log"));
        Admin admin = Admin.create(client(local))) {
      final RegistryClient registry = new RegistryClient(local.registryUrl());
      createTopics(local, options.partitions(), admin);
      preload(local, registry, options);
      final Map<String, Long> inputs = new TreeMap<>();
      for (final Ecosystem eco : Ecosystem.values()) {
        inputs.put(EcoTopic.prefix(eco), ProcessorLag.of(admin, PassThrough.names(eco)));
      }
      final long events = inputs.values().stream().mapToLong(Long::longValue).sum();

      final Phase passThrough = passThrough(local, admin, events, options);
      progress.printf("(a) pass-through: %,.0f events/s%n", passThrough.eventsPerSecond());

      final List<FunnelProcessor> processors = new ArrayList<>();
      try {
        final Phase pipeline = pipeline(local, admin, events, options, processors);
        progress.printf("(b) pipeline: %,.0f events/s%n", pipeline.eventsPerSecond());
        final long persons = personsInState(local, registry);
        final Map<String, Double> writes = writesPerEvent(admin, events);

        final double rate = pipeline.eventsPerSecond() / 2;
        progress.printf("(c) latency: live traffic at %,.0f events/s for %d s%n", rate, options.latency().toSeconds());
        final LatencyProbe.Latency latency;
        final Phase latencyPhase;
        try (Peaks peaks = new Peaks()) {
          latency = LatencyProbe.measure(client(local), registry, rate, options.latency(), options.seed() + 1, progress);
          latencyPhase = new Phase(0, options.latency().toSeconds(), rate, peaks.heapMib(), peaks.rssMib());
        }
        final Result result = new Result(Instant.now().toString(), events, inputs, options.partitions(), options.threads(),
            options.instances(), Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
            passThrough, pipeline, persons, writes, pipeline.eventsPerSecond() / passThrough.eventsPerSecond(), latency, latencyPhase);
        print(result, options.out());
        if (options.json() != null) {
          new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(options.json().toFile(), result);
          options.out().println("written to " + options.json());
        }
        return result;
      } finally {
        processors.forEach(FunnelProcessor::close);
      }
    }
  }

  /** Starts both ecosystems' processors into {@code started} (left running) and measures them through the backlog. */
  private static Phase pipeline(final LocalProcess local, final Admin admin, final long events, final Options options,
      final List<FunnelProcessor> started) throws Exception {
    try (Peaks peaks = new Peaks()) {
      for (final Ecosystem eco : Ecosystem.values()) {
        for (int i = 0; i < options.instances(); i++) {
          started.add(FunnelProcessor.start(eco, FunnelConfig.defaults(eco), streams(local, options.threads()),
              local.registryUrl(), options.dataDir().resolve("state-pipeline-" + i)));
        }
      }
      final Throughput.Measured measured = Throughput.measure("(b) pipeline", admin,
          started.stream().map(FunnelProcessor::streams).toList(),
          List.of(new Names(Ecosystem.WEIXIN), new Names(Ecosystem.WECHAT)), events, PHASE_TIMEOUT, options.progress());
      return phase(measured, peaks);
    }
  }

  private static long personsInState(final LocalProcess local, final SchemaRegistry registry) {
    long persons = 0;
    for (final Ecosystem eco : Ecosystem.values()) {
      final Names names = new Names(eco);
      final CommittedView<Conversion> ledger = new CommittedView<>(names, registry, conversion -> conversion);
      CommittedView.readAll(client(local), List.of(names.changelog(Names.LEDGER))).forEach(ledger::apply);
      persons += ledger.personsInState();
    }
    return persons;
  }

  private static Phase passThrough(final LocalProcess local, final Admin admin, final long events, final Options options)
      throws Exception {
    final List<KafkaStreams> apps = new ArrayList<>();
    try (Peaks peaks = new Peaks()) {
      for (final Ecosystem eco : Ecosystem.values()) {
        for (int i = 0; i < options.instances(); i++) {
          apps.add(PassThrough.start(eco, streams(local, options.threads()), options.dataDir().resolve("state-passthrough-" + i)));
        }
      }
      final Throughput.Measured measured = Throughput.measure("(a) pass-through", admin, apps,
          List.of(PassThrough.names(Ecosystem.WEIXIN), PassThrough.names(Ecosystem.WECHAT)), events, PHASE_TIMEOUT,
          options.progress());
      return phase(measured, peaks);
    } finally {
      apps.forEach(KafkaStreams::close);
    }
  }

  /**
   * What the pipeline wrote to the broker per input event, by kind of topic: its repartition
   * topics, its stores' changelogs, and its outputs (conversions, funnel rows, dead letters).
   */
  private static Map<String, Double> writesPerEvent(final Admin admin, final long events) throws Exception {
    final Map<String, Double> writes = new TreeMap<>();
    final List<String> outputs = new ArrayList<>();
    for (final Ecosystem eco : Ecosystem.values()) {
      EcoTopic.outputs().forEach(topic -> outputs.add(topic.topic(eco)));
    }
    final Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
    for (final TopicDescription topic : admin.describeTopics(admin.listTopics().names().get()).allTopicNames().get().values()) {
      topic.partitions().forEach(p -> ends.put(new TopicPartition(topic.name(), p.partition()), OffsetSpec.latest()));
    }
    admin.listOffsets(ends).all().get().forEach((partition, end) -> {
      final String topic = partition.topic();
      // The pass-through app has no internal topics, and its output is none of these.
      final String kind = Names.isRepartition(topic) ? "repartition"
          : Names.isChangelog(topic) ? "changelog"
          : outputs.contains(topic) ? "outputs" : null;
      if (kind != null) {
        writes.merge(kind, (double) end.offset() / events, Double::sum);
      }
    });
    writes.replaceAll((kind, perEvent) -> Math.round(perEvent * 100) / 100.0);
    return writes;
  }

  private static Phase phase(final Throughput.Measured measured, final Peaks peaks) {
    return new Phase(measured.events(), measured.seconds(), measured.eventsPerSecond(), peaks.heapMib(), peaks.rssMib());
  }

  private static Map<String, Object> client(final LocalProcess local) {
    return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, local.bootstrapServers());
  }

  private static Map<String, Object> streams(final LocalProcess local, final int threads) {
    final Map<String, Object> streams = new HashMap<>(client(local));
    streams.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    return streams;
  }

  private static void createTopics(final LocalProcess local, final int partitions, final Admin admin) throws Exception {
    try (TopicAdmin topics = new TopicAdmin(client(local))) {
      topics.create(EnumSet.allOf(Ecosystem.class), partitions);
    }
    final List<NewTopic> outputs = new ArrayList<>();
    for (final Ecosystem eco : Ecosystem.values()) {
      outputs.add(new NewTopic(PassThrough.output(eco), partitions, (short) 1));
    }
    admin.createTopics(outputs).all().get();
  }

  /** The preloaded events: {@code events} over {@link #SPAN} of event time from {@code start}, at a steady rate. */
  static Generator.Settings preload(final long seed, final long events, final Instant start) {
    return Generator.Settings.of(seed, events).withPersonsPerSecond(events / TrafficModel.EVENTS_PER_PERSON / SPAN.toSeconds())
        .withoutDailyRhythm().withStart(start);
  }

  private static void preload(final LocalProcess local, final RegistryClient registry, final Options options) {
    final Generator generator = new Generator(preload(options.seed(), options.events(),
        Instant.now().minus(SPAN).minus(Duration.ofHours(1))));
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
        + " %d cores, max heap %,d MiB%n", r.events(), r.inputsByEcosystem(), r.partitions(), r.threads(), r.instances(),
        r.cores(), r.maxHeapMib());
    out.printf("%-34s %12s %9s %14s %13s%n", "phase", "events/s", "seconds", "peak heap MiB", "peak RSS MiB");
    row(out, "(a) pass-through, exactly once", r.passThrough());
    row(out, "(b) walled pipeline, exactly once", r.pipeline());
    out.printf("%-34s %,12d%n", "persons in state after (b)", r.personsInState());
    out.printf("%-34s %12.2f%n", "b/a", r.ratio());
    out.printf("(b) writes per input event (records and commit markers): %s%n", r.pipelineWritesPerEvent());
    final LatencyProbe.Latency l = r.latency();
    out.printf("(c) latency at %,.0f events/s (half of b): p50 %,d ms, p99 %,d ms, max %,d ms over %,d payments;"
        + " peak heap %,d MiB, RSS %,d MiB%n", l.rate(), l.p50Ms(), l.p99Ms(), l.maxMs(), l.payments(),
        r.latencyPhase().peakHeapMib(), r.latencyPhase().peakRssMib());
  }

  private static void row(final PrintStream out, final String name, final Phase phase) {
    out.printf("%-34s %,12.0f %9.1f %,14d %,13d%n", name, phase.eventsPerSecond(), phase.seconds(), phase.peakHeapMib(),
        phase.peakRssMib());
  }
}
