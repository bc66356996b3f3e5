package wxfunnel.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.ContentKind;
import wxfunnel.events.ContentModelCredit;
import wxfunnel.events.ContentPerformance;
import wxfunnel.events.Conversion;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topology.FunnelConfig;

/**
 * Answers about one ecosystem's outputs from its processor's live state: Kafka Streams interactive
 * queries over the tables of its output topics. A key held by another instance of the processor
 * is fetched from that instance ({@link KafkaStreams#queryMetadataForKey}); a question over every
 * key asks each instance for its own part. Every answer says whether it is {@code final}: no
 * record can change it any more. It is served inside the ecosystem's wall: numbers are exact, and
 * no user id is in an answer (a conversion's payer and its touches' event ids are left out).
 */
public final class Queries {

  /** The widest day range a question may cover. */
  static final int MAX_DAYS = 366;

  private static final ObjectMapper json = new ObjectMapper();
  private static final Serializer<String> KEYS = new StringSerializer();
  private static final Duration REMOTE_TIMEOUT = Duration.ofSeconds(10);

  private final Names names;
  private final FunnelConfig config;
  private final KafkaStreams streams;
  private final HostInfo self;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(REMOTE_TIMEOUT).build();

  /**
   * @param config the processor's semantics, with its input partitions as on the cluster
   * @param self this instance's {@code application.server}, where the other instances reach its queries
   */
  public Queries(final Names names, final FunnelConfig config, final KafkaStreams streams, final HostInfo self) {
    this.names = names;
    this.config = config;
    this.streams = streams;
    this.self = self;
  }

  /** A question that cannot be answered now (the processor is rebalancing), or an instance that did not answer. */
  static final class Unavailable extends RuntimeException {
    Unavailable(final String message, final Throwable cause) {
      super(message, cause);
    }
  }

  /** The funnel rows of {@code campaign}, one per cohort day of the range that has one. */
  ObjectNode funnel(final String campaign, final LocalDate from, final LocalDate to) {
    final List<JsonNode> rows = new ArrayList<>();
    for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
      add(rows, get(Names.FUNNEL_VIEW, campaign + "|" + day));
    }
    return answer(rows, config.rowClosesAt(to) <= watermark(Names.FUNNEL_WATERMARKS));
  }

  /** The content rows of one article, scene or card, one per day of the range that has one. */
  ObjectNode content(final ContentKind kind, final String id, final LocalDate from, final LocalDate to) {
    final List<JsonNode> rows = new ArrayList<>();
    for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
      add(rows, get(Names.CONTENT_VIEW, kind.name() + "|" + id + "|" + day));
    }
    return answer(rows, contentFinal(to));
  }

  /** The content rows of {@code campaign} in the range, from every instance ({@code everywhere}) or this one. */
  ObjectNode contentOfCampaign(final String campaign, final LocalDate from, final LocalDate to, final boolean everywhere) {
    final String path = "content?campaign=" + encode(campaign) + "&from=" + from + "&to=" + to;
    final List<JsonNode> rows = new ArrayList<>();
    if (everywhere) {
      forEachOtherInstance(path, answer -> answer.get("rows").forEach(rows::add));
    }
    scan(row -> campaign.equals(row.getCampaignId()) && inRange(row.getDay(), from, to)).forEach(row -> rows.add(node(row)));
    rows.sort(Comparator.comparing((JsonNode row) -> row.get("day").asText()).thenComparing(row -> row.get("content_kind").asText())
        .thenComparing(row -> row.get("content_id").asText()));
    return answer(rows, contentFinal(to));
  }

  /**
   * The conversion of {@code transactionId}; final once the funnel rows of its payment day are,
   * and the dedup horizon has passed it (no copy of the payment can take its place).
   */
  ObjectNode conversion(final String transactionId) {
    final JsonNode conversion = get(Names.CONVERSIONS_VIEW, transactionId);
    final ObjectNode answer = json.createObjectNode().put("ecosystem", EcoTopic.prefix(names.ecosystem()));
    if (conversion == null) {
      return answer.put("final", false).putNull("conversion");
    }
    final LocalDate paidDay = Instant.parse(conversion.get("paid_at").asText()).atZone(config.timeZone()).toLocalDate();
    final long paidAt = Instant.parse(conversion.get("paid_at").asText()).toEpochMilli();
    final long closesAt = Math.max(config.rowClosesAt(paidDay), paidAt + config.dedupHorizon().toMillis() + config.grace().toMillis());
    answer.put("final", closesAt <= watermark(Names.FUNNEL_WATERMARKS));
    answer.set("conversion", conversion);
    return answer;
  }

  /**
   * The {@code n} contents (of {@code kind}, or any) with the most money in {@code currency}
   * credited under {@code model} by payments of the range's days, summed over the days; ties by
   * kind and id. {@code everywhere} false: this instance's part, every content it has, unranked.
   */
  ObjectNode top(final AttributionModel model, final ContentKind kind, final String currency, final LocalDate from,
      final LocalDate to, final int n, final boolean everywhere) {
    final Map<String, ObjectNode> sums = new TreeMap<>();
    for (final ContentPerformance row : scan(row -> (kind == null || row.getContentKind() == kind) && inRange(row.getDay(), from, to))) {
      final ContentModelCredit credit = row.getCredits().get(model.ordinal());
      final long gmv = credit.getGmv().getOrDefault(currency, 0L);
      if (gmv > 0) {
        merge(sums, row.getContentKind() + "|" + row.getContentId(), row.getContentKind().name(), row.getContentId(),
            row.getTitle(), gmv, credit.getConversions(), row.getFinal$());
      }
    }
    if (everywhere) {
      final String path = "top-content?model=" + model + "&currency=" + encode(currency) + "&from=" + from + "&to=" + to
          + (kind == null ? "" : "&kind=" + kind);
      forEachOtherInstance(path, answer -> answer.get("rows").forEach(part -> merge(sums,
          part.get("content_kind").asText() + "|" + part.get("content_id").asText(), part.get("content_kind").asText(),
          part.get("content_id").asText(), part.get("title").isNull() ? null : part.get("title").asText(),
          part.get("gmv").asLong(), part.get("conversions").asLong(), part.get("final").asBoolean())));
    }
    final List<JsonNode> ranked = new ArrayList<>(sums.values());
    if (everywhere) {
      ranked.sort(Comparator.comparing((JsonNode row) -> -row.get("gmv").asLong()));
    }
    final ObjectNode answer = answer(everywhere ? ranked.subList(0, Math.min(n, ranked.size())) : ranked, contentFinal(to));
    return answer.put("model", model.name()).put("currency", currency);
  }

  /**
   * This instance's value of {@code key} in the view {@code store}, from its {@code partition}
   * (which must be here: a partition that moved away is a 503, not an empty answer); null when
   * the key has no value.
   */
  JsonNode local(final String store, final String key, final int partition) {
    final ReadOnlyKeyValueStore<String, Object> view;
    try {
      view = streams.store(StoreQueryParameters.fromNameAndType(names.of(store), QueryableStoreTypes.<String, Object>keyValueStore())
          .withPartition(partition));
    } catch (InvalidStateStoreException e) {
      throw new Unavailable("partition " + partition + " of the processor's state is not here now; ask again", e);
    }
    final Object value = view.get(key);
    return value == null ? null : node((SpecificRecord) value);
  }

  private static void merge(final Map<String, ObjectNode> sums, final String key, final String kind, final String id,
      final String title, final long gmv, final long conversions, final boolean isFinal) {
    final ObjectNode sum = sums.computeIfAbsent(key, k -> json.createObjectNode().put("content_kind", kind).put("content_id", id)
        .put("title", title).put("gmv", 0L).put("conversions", 0L).put("final", true));
    sum.put("gmv", sum.get("gmv").asLong() + gmv).put("conversions", sum.get("conversions").asLong() + conversions)
        .put("final", sum.get("final").asBoolean() && isFinal);
    if (sum.get("title").isNull() && title != null) {
      sum.put("title", title);
    }
  }

  /** The value of {@code key} in the view {@code store}, from the instance that holds it. */
  private JsonNode get(final String store, final String key) {
    requireOwnAddress();
    final KeyQueryMetadata holder = streams.queryMetadataForKey(names.of(store), key, KEYS);
    if (holder == null || holder.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      throw new Unavailable("no instance holds that key yet (the processor is starting or rebalancing); ask again", null);
    }
    if (holder.activeHost().equals(self)) {
      return local(store, key, holder.partition());
    }
    final JsonNode answer = fetch(holder.activeHost(), "key?view=" + store + "&key=" + encode(key) + "&partition=" + holder.partition());
    return answer.get("value").isNull() ? null : answer.get("value");
  }

  /** Every content row this instance holds that {@code keep} keeps. */
  private List<ContentPerformance> scan(final Predicate<ContentPerformance> keep) {
    final List<ContentPerformance> rows = new ArrayList<>();
    try (KeyValueIterator<String, Object> all = viewOf(Names.CONTENT_VIEW).all()) {
      all.forEachRemaining(entry -> {
        if (entry.value != null && keep.test((ContentPerformance) entry.value)) {
          rows.add((ContentPerformance) entry.value);
        }
      });
    }
    return rows;
  }

  private ReadOnlyKeyValueStore<String, Object> viewOf(final String store) {
    try {
      return streams.store(StoreQueryParameters.fromNameAndType(names.of(store), QueryableStoreTypes.keyValueStore()));
    } catch (InvalidStateStoreException e) {
      throw new Unavailable("the processor's state is not queryable now (" + streams.state() + "); ask again", e);
    }
  }

  /** Asks every other instance of the processor {@code path} for its own part. */
  private void forEachOtherInstance(final String path, final Consumer<JsonNode> part) {
    requireOwnAddress();
    final Set<HostInfo> others = new LinkedHashSet<>();
    for (final StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
      if (!instance.hostInfo().equals(self)) {
        others.add(instance.hostInfo());
      }
    }
    others.forEach(host -> part.accept(fetch(host, path + "&scope=" + QueryHandler.LOCAL)));
  }

  /**
   * Refuses to answer while another instance advertises this one's address: each would take the
   * other's keys for its own and answer them empty (set {@code --advertised-host} on each machine).
   */
  private void requireOwnAddress() {
    final long sharing = streams.metadataForAllStreamsClients().stream().filter(instance -> instance.hostInfo().equals(self)).count();
    if (sharing > 1) {
      throw new Unavailable(sharing + " instances advertise " + self.host() + ":" + self.port()
          + " (application.server): give each its own --advertised-host", null);
    }
  }

  private JsonNode fetch(final HostInfo host, final String path) {
    final URI uri = URI.create("http://" + host.host() + ":" + host.port() + QueryHandler.prefix(names.ecosystem()) + path);
    try {
      final HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(REMOTE_TIMEOUT).GET().build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() != 200) {
        throw new Unavailable("instance " + host.host() + ":" + host.port() + " answered " + response.statusCode(), null);
      }
      return json.readTree(response.body());
    } catch (IOException e) {
      throw new Unavailable("instance " + host.host() + ":" + host.port() + " did not answer: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while asking instance " + host.host() + ":" + host.port(), e);
    }
  }

  /**
   * Whether no content row of the range, nor one to come, can change any more: the watermark has
   * passed the close of its last day.
   */
  private boolean contentFinal(final LocalDate to) {
    return config.contentRowClosesAt(to) <= watermark(Names.CONTENT_WATERMARKS);
  }

  /**
   * The smallest watermark the person tasks have told the funnel (or content) rows, kept in
   * {@code store}: every row task hears them all, so any of them here knows it. {@link
   * Long#MIN_VALUE} while one is unheard, or when no row task is here (then nothing says final).
   */
  private long watermark(final String store) {
    final ReadOnlyKeyValueStore<Integer, Long> clocks;
    try {
      clocks = streams.store(StoreQueryParameters.fromNameAndType(names.of(store), QueryableStoreTypes.keyValueStore()));
    } catch (InvalidStateStoreException e) {
      return Long.MIN_VALUE;
    }
    // Per person task, the latest any funnel-row task here has heard (the stores of all of them read as one).
    final Map<Integer, Long> heard = new TreeMap<>();
    try (KeyValueIterator<Integer, Long> all = clocks.all()) {
      all.forEachRemaining(entry -> {
        if (entry.key >= 0) {
          heard.merge(entry.key, entry.value, Math::max);
        }
      });
    }
    return heard.size() < config.inputPartitions() ? Long.MIN_VALUE : heard.values().stream().mapToLong(Long::longValue).min().orElseThrow();
  }

  private ObjectNode answer(final List<JsonNode> rows, final boolean isFinal) {
    final ObjectNode answer = json.createObjectNode().put("ecosystem", EcoTopic.prefix(names.ecosystem()));
    answer.put("final", isFinal);
    final ArrayNode array = answer.putArray("rows");
    rows.forEach(array::add);
    return answer;
  }

  /** A record as JSON, without what names a person: a conversion's payer, its touches' event ids. */
  private static JsonNode node(final SpecificRecord record) {
    final ObjectNode node;
    try {
      node = (ObjectNode) json.readTree(((Object) record).toString());
    } catch (IOException e) {
      throw new IllegalStateException("a record that does not print as JSON: " + record.getSchema().getFullName(), e);
    }
    if (record instanceof Conversion) {
      node.remove("payer");
      node.get("attributions").forEach(model -> model.get("touches").forEach(touch -> ((ObjectNode) touch).remove("event_id")));
    }
    return node;
  }

  private static void add(final List<JsonNode> rows, final JsonNode row) {
    if (row != null) {
      rows.add(row);
    }
  }

  private static boolean inRange(final LocalDate day, final LocalDate from, final LocalDate to) {
    return !day.isBefore(from) && !day.isAfter(to);
  }

  private static String encode(final String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
