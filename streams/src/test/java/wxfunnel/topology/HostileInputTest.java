package wxfunnel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.Conversion;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.generator.Generated;
import wxfunnel.generator.Generator;
import wxfunnel.generator.TrafficSender;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;
import wxfunnel.runtime.CommittedView;
import wxfunnel.runtime.FunnelProcessor;
import wxfunnel.runtime.ProcessorLag;
import wxfunnel.serde.AvroSerializer;
import wxfunnel.testing.Http;
import wxfunnel.testing.ProcessorOutputs;
import wxfunnel.topics.DeadLetters;
import wxfunnel.topics.DlqReason;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;

/**
 * Ten thousand hostile records of every kind mixed into generated traffic, on a real broker: the
 * processor does not stop, each one lands in the DLQ with its reason, and the valid outputs are
 * exactly those of the same traffic without them. The registry answers the hostile HTTP
 * requests with a 4xx and keeps serving.
 */
class HostileInputTest {

  private static final Ecosystem WEIXIN = Ecosystem.WEIXIN;
  private static final int VALID = 8_000;
  private static final int HOSTILE = 10_000;
  private static final Instant START = Instant.now().minus(Duration.ofDays(3));

  /** A kind of hostile record, and the reason it must be dead-lettered with. */
  private enum Kind {
    RANDOM_BYTES(DlqReason.UNDECODABLE), EMPTY(DlqReason.UNDECODABLE), TRUNCATED(DlqReason.UNDECODABLE),
    UNKNOWN_SCHEMA_ID(DlqReason.UNKNOWN_SCHEMA), OTHER_SCHEMA(DlqReason.UNDECODABLE), WRONG_ECOSYSTEM(DlqReason.WRONG_ECOSYSTEM),
    HUGE_STRING(DlqReason.INVALID_FIELD), NEGATIVE_AMOUNT(DlqReason.INVALID_AMOUNT), OVERFLOWING_AMOUNT(DlqReason.INVALID_AMOUNT),
    FAR_PAST(DlqReason.INVALID_TIMESTAMP), FAR_FUTURE(DlqReason.INVALID_TIMESTAMP), NULL_VALUE(DlqReason.NULL_VALUE),
    NULL_KEY_GARBAGE(DlqReason.UNDECODABLE);

    final DlqReason reason;

    Kind(final DlqReason reason) {
      this.reason = reason;
    }
  }

  @TempDir
  Path dir;

  @Test
  void everyHostileRecordIsDeadLetteredAndTheValidOutputsAreUnchanged() throws Exception {
    final Map<String, Conversion> cleanConversions;
    final Map<String, FunnelRow> cleanFunnel;
    final List<String> cleanDeadLetters;
    try (LocalStack stack = stack("clean")) {
      send(stack, false);
      process(stack, "clean");
      final ProcessorOutputs clean = ProcessorOutputs.read(stack.kafka().clientConfig(), stack.registryUrl(), new Names(WEIXIN));
      cleanConversions = clean.conversions();
      cleanFunnel = clean.funnel();
      cleanDeadLetters = deadLetters(stack).stream().map(d -> d.reason() + " " + d.key()).sorted().toList();
    }
    assertThat(cleanConversions).hasSizeGreaterThan(100);

    try (LocalStack stack = stack("hostile")) {
      final Map<String, Kind> hostile = send(stack, true);
      process(stack, "hostile");

      // Compared as values: each stack's registry numbers the output schemas in the order they are first written.
      final ProcessorOutputs attacked = ProcessorOutputs.read(stack.kafka().clientConfig(), stack.registryUrl(), new Names(WEIXIN));
      assertThat(attacked.conversions()).isEqualTo(cleanConversions);
      assertThat(attacked.funnel()).isEqualTo(cleanFunnel);
      final List<DeadLetterRecord> deadLetters = deadLetters(stack);
      final Map<String, String> hostileFound = new TreeMap<>();
      final List<String> others = new ArrayList<>();
      long nullKeys = 0;
      for (final DeadLetterRecord letter : deadLetters) {
        if (letter.key() == null) {
          assertThat(letter.reason()).isEqualTo(Kind.NULL_KEY_GARBAGE.reason.name());
          nullKeys++;
        } else if (hostile.containsKey(letter.key())) {
          assertThat(hostileFound.put(letter.key(), letter.reason())).as("twice: " + letter.key()).isNull();
        } else {
          others.add(letter.reason() + " " + letter.key());
        }
      }
      final Map<String, String> expected = new TreeMap<>();
      hostile.forEach((key, kind) -> expected.put(key, kind.reason.name()));
      assertThat(hostileFound).isEqualTo(expected);
      assertThat(nullKeys + hostileFound.size()).isEqualTo(HOSTILE);
      assertThat(others.stream().sorted().toList()).as("the traffic's own bad records").isEqualTo(cleanDeadLetters);

      // The registry: malformed and oversized requests get a 4xx, and it keeps serving.
      final String reads = EcoTopic.READS.topic(WEIXIN) + "-value";
      final String subject = stack.registryUrl() + "/subjects/" + reads;
      assertThat(Http.call("POST", subject + "/versions", "{\"schema\": ").status()).isEqualTo(400);
      assertThat(Http.call("POST", subject + "/versions", "{\"schema\": \"" + "x".repeat((1 << 20) + 100) + "\"}").status())
          .isEqualTo(413);
      assertThat(Http.call("POST", subject, "[1, 2, 3]").status()).isBetween(400, 499);
      assertThat(new RegistryClient(stack.registryUrl()).latest(reads).id()).isPositive();
    }
  }

  private LocalStack stack(final String name) throws Exception {
    return LocalStack.withTopics(dir.resolve(name), EnumSet.of(WEIXIN), 3);
  }

  /**
   * Sends the generated traffic; with {@code hostile}, a hostile record after most valid ones, of
   * each kind in turn. Returns the hostile records by key (null-key ones are not in it).
   */
  private static Map<String, Kind> send(final LocalStack stack, final boolean hostile) {
    final RegistryClient registry = new RegistryClient(stack.registryUrl());
    final AvroSerializer<SpecificRecord> serializer = new AvroSerializer<>(registry, false, true);
    final Events weixin = new Events(WEIXIN);
    final Events wechat = new Events(Ecosystem.WECHAT);
    final SplittableRandom random = new SplittableRandom(99);
    final Map<String, Kind> sent = new TreeMap<>();
    try (TrafficSender sender = new TrafficSender(stack.kafka().clientConfig(), registry)) {
      final Generator generator = new Generator(Generator.Settings.of(5, VALID).withEcosystems(EnumSet.of(WEIXIN)).withStart(START));
      int made = 0;
      while (generator.hasNext()) {
        final Generated valid = generator.next();
        sender.send(valid);
        for (int i = 0; hostile && made < HOSTILE && i < 2; i++, made++) {
          final Kind kind = Kind.values()[made % Kind.values().length];
          final String key = kind == Kind.NULL_KEY_GARBAGE ? null : "hostile-" + made;
          final Instant at = Instant.ofEpochMilli(valid.eventTime());
          final String id = "h" + made;
          final Generated record = switch (kind) {
            case RANDOM_BYTES -> raw(EcoTopic.READS, key, randomBytes(random, 1 + random.nextInt(64)), valid);
            case EMPTY -> raw(EcoTopic.SCANS, key, new byte[0], valid);
            case TRUNCATED -> {
              final byte[] whole = serializer.serialize(EcoTopic.READS.topic(Ecosystem.WEIXIN), weixin.read(id, id, at, "100_1", "A"));
              yield raw(EcoTopic.READS, key, Arrays.copyOf(whole, whole.length / 2), valid);
            }
            case UNKNOWN_SCHEMA_ID -> raw(EcoTopic.PAYMENTS, key,
                ByteBuffer.allocate(13).put((byte) 0).putInt(987_654).putLong(random.nextLong()).array(), valid);
            case OTHER_SCHEMA -> raw(EcoTopic.READS, key,
                serializer.serialize(EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN), weixin.payment(id, id, at, 100, "CNY")), valid);
            case WRONG_ECOSYSTEM -> event(EcoTopic.READS, key, wechat.read(id, id, at, "100_1", "A"), valid);
            case HUGE_STRING -> event(EcoTopic.READS, key, weixin.read("h".repeat(100_000), id, at, "100_1", "A"), valid);
            case NEGATIVE_AMOUNT -> event(EcoTopic.PAYMENTS, key, weixin.payment(id, id, at, -100, "CNY"), valid);
            case OVERFLOWING_AMOUNT -> event(EcoTopic.PAYMENTS, key, weixin.payment(id, id, at, Long.MAX_VALUE, "CNY"), valid);
            case FAR_PAST -> event(EcoTopic.SCANS, key, weixin.scan(id, id, Instant.parse("2001-01-01T00:00:00Z"), "A"), valid);
            case FAR_FUTURE -> event(EcoTopic.SCANS, key, weixin.scan(id, id, Instant.now().plus(Duration.ofDays(30)), "A"), valid);
            case NULL_VALUE -> raw(EcoTopic.COUPON_CLICKS, key, null, valid);
            case NULL_KEY_GARBAGE -> raw(EcoTopic.COUPON_CLICKS, null, randomBytes(random, 16), valid);
          };
          sender.send(record);
          if (key != null) {
            sent.put(key, kind);
          }
        }
      }
      sender.flush();
    }
    return sent;
  }

  private static Generated raw(final EcoTopic topic, final String key, final byte[] bytes, final Generated next) {
    return new Generated(topic.topic(WEIXIN), key, null, bytes, next.eventTime(), next.deliverAt());
  }

  private static Generated event(final EcoTopic topic, final String key, final SpecificRecord event, final Generated next) {
    return new Generated(topic.topic(WEIXIN), key, event, null, next.eventTime(), next.deliverAt());
  }

  private static byte[] randomBytes(final SplittableRandom random, final int length) {
    final byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    bytes[0] = (byte) (1 + random.nextInt(255));
    return bytes;
  }

  private void process(final LocalStack stack, final String name) throws Exception {
    try (Admin admin = Admin.create(stack.kafka().clientConfig());
        FunnelProcessor processor = FunnelProcessor.start(WEIXIN, FunnelConfig.defaults(WEIXIN), stack.kafka().clientConfig(),
            stack.registryUrl(), dir.resolve(name).resolve("state"))) {
      processor.awaitRunning(Duration.ofMinutes(1));
      ProcessorLag.awaitSettled(admin, WEIXIN, Duration.ofMinutes(3));
      assertThat(processor.isRunning()).isTrue();
    }
  }

  /** A DLQ record: its key as text (null for none) and its reason. */
  private record DeadLetterRecord(String key, String reason) {}

  private static List<DeadLetterRecord> deadLetters(final LocalStack stack) {
    final List<DeadLetterRecord> letters = new ArrayList<>();
    final String dlq = EcoTopic.DLQ.topic(Ecosystem.WEIXIN);
    for (final ConsumerRecord<String, byte[]> record : CommittedView.readAll(stack.kafka().clientConfig(), List.of(dlq))) {
      letters.add(new DeadLetterRecord(record.key(), CommittedView.header(record, DeadLetters.REASON, null)));
    }
    return letters;
  }
}
