package wxfunnel.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import wxfunnel.events.AttributionModel;
import wxfunnel.events.Conversion;
import wxfunnel.events.ConversionStatus;
import wxfunnel.events.CreditedTouch;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.FunnelRow;
import wxfunnel.events.ModelAttribution;
import wxfunnel.events.TouchType;
import wxfunnel.events.UnattributedReason;
import wxfunnel.export.Exporter.Format;
import wxfunnel.export.Exporter.Table;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;
import wxfunnel.serde.AvroSerdes;
import wxfunnel.testing.CliRun;
import wxfunnel.topics.EcoTopic;

/**
 * {@code wxfunnel export} over hand-made outputs on a real broker: only the last committed value
 * of each key whose day lies in the range reaches the files, which DuckDB reads back here.
 *
 * <p>The outputs, for the range 2026-11-11 to 2026-11-12:
 * <ul>
 *   <li>Weixin funnel: double11 on the 11th written twice (the second counts), member-day on the
 *       12th (an aborted overwrite does not count), spring on the 11th then a tombstone, double11
 *       on the 13th (out of the range), and a new row of an aborted transaction: 2 rows.
 *   <li>Weixin conversions, days in Asia/Shanghai (the rows' time zone): tx-1 paid on the 10th at
 *       16:30 UTC (the 11th in Shanghai), tx-2 written unattributed then attributed, tx-3 paid on
 *       the 12th at 16:00 UTC (the 13th in Shanghai), tx-4 then a tombstone, tx-5 paid at 23:59 on
 *       the 10th in Shanghai: 2 rows, tx-1 and tx-2.
 *   <li>WeChat, whose rows name Asia/Singapore: one funnel row; tx-6 paid on the 12th at 17:00 UTC
 *       (the 13th in Singapore) and tx-7 on the 10th at 17:00 UTC (the 11th in Singapore): 1 row, tx-7.
 *   <li>Content performance: none; WeChat's cluster has no such topic at all.
 * </ul>
 */
class ExportTest {

  private static final LocalDate FROM = LocalDate.of(2026, 11, 11);
  private static final LocalDate TO = LocalDate.of(2026, 11, 12);
  private static final String SHANGHAI = "Asia/Shanghai";
  private static final String SINGAPORE = "Asia/Singapore";
  private static final int PARTITIONS = 2;

  @TempDir
  static Path dir;

  private static LocalStack stack;
  private static AvroSerdes serdes;

  @BeforeAll
  static void writeOutputs() throws Exception {
    stack = LocalStack.withTopics(dir.resolve("kafka"), EnumSet.allOf(Ecosystem.class), PARTITIONS);
    serdes = new AvroSerdes(new RegistryClient(stack.registryUrl()), true);
    final Map<String, Object> config = new HashMap<>(stack.kafka().clientConfig());
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "export-test");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      // 1. Weixin's funnel rows.
      send(producer, row(Ecosystem.WEIXIN, "double11", FROM, SHANGHAI).setTouched(10).setCoupon(4).setPaid(2)
          .setGmv(Map.of("CNY", 5_000L)).build());
      send(producer, row(Ecosystem.WEIXIN, "double11", FROM, SHANGHAI).setTouched(12).setCoupon(5).setPaid(3)
          .setGmv(Map.of("CNY", 7_500L, "USD", 100L)).setFinal$(true).build());
      send(producer, row(Ecosystem.WEIXIN, "member-day", TO, SHANGHAI).setTouched(7).setCoupon(2).setPaid(1)
          .setGmv(Map.of("CNY", 1_999L)).build());
      send(producer, row(Ecosystem.WEIXIN, "spring", FROM, SHANGHAI).setTouched(3).build());
      tombstone(producer, Ecosystem.WEIXIN, EcoTopic.FUNNEL, rowKey("spring", FROM));
      send(producer, row(Ecosystem.WEIXIN, "double11", TO.plusDays(1), SHANGHAI).setTouched(9).build());
      // 2. Weixin's conversions.
      send(producer, conversion(Ecosystem.WEIXIN, "tx-1", "2026-11-10T16:30:00Z").setAmount(2_999).build());
      send(producer, conversion(Ecosystem.WEIXIN, "tx-2", "2026-11-12T15:59:00Z").setAmount(100)
          .setUnattributedReason(UnattributedReason.NO_UNIONID).build());
      send(producer, conversion(Ecosystem.WEIXIN, "tx-2", "2026-11-12T15:59:00Z").setAmount(100)
          .setStatus(ConversionStatus.ATTRIBUTED).setUnattributedReason(null).setAttributions(List.of(lastTouch())).build());
      send(producer, conversion(Ecosystem.WEIXIN, "tx-3", "2026-11-12T16:00:00Z").setAmount(500).build());
      send(producer, conversion(Ecosystem.WEIXIN, "tx-4", "2026-11-11T08:00:00Z").setAmount(700).build());
      tombstone(producer, Ecosystem.WEIXIN, EcoTopic.CONVERSIONS, "tx-4");
      send(producer, conversion(Ecosystem.WEIXIN, "tx-5", "2026-11-10T15:59:00Z").setAmount(800).build());
      // 3. WeChat's, in the time zone its rows name.
      send(producer, row(Ecosystem.WECHAT, "lunar-new-year", TO, SINGAPORE).setTouched(4).setGmv(Map.of("SGD", 880L)).build());
      send(producer, conversion(Ecosystem.WECHAT, "tx-6", "2026-11-12T17:00:00Z").setAmount(1_200).setCurrency("SGD").build());
      send(producer, conversion(Ecosystem.WECHAT, "tx-7", "2026-11-10T17:00:00Z").setAmount(1_300).setCurrency("SGD").build());
      producer.commitTransaction();

      // 4. What an aborted transaction wrote: no read_committed reader sees it.
      producer.beginTransaction();
      send(producer, row(Ecosystem.WEIXIN, "member-day", TO, SHANGHAI).setTouched(99).build());
      send(producer, row(Ecosystem.WEIXIN, "double11", TO, SHANGHAI).setTouched(99).build());
      producer.abortTransaction();
    }
    try (Admin admin = Admin.create(stack.kafka().clientConfig())) {
      awaitTransactionsDecided(admin);
      // 5. A cluster set up before content performance existed.
      final String missing = EcoTopic.CONTENT_PERFORMANCE.topic(Ecosystem.WECHAT);
      admin.deleteTopics(List.of(missing)).all().get(30, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(missing));
    }
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  @Test
  void theLastCommittedValueOfEachKeyInTheRangeIsOneParquetRow() throws Exception {
    final Path output = dir.resolve("parquet");
    final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    final Map<Ecosystem, Map<Table, Long>> rows = exporter(progress)
        .export(new Exporter.Request(EnumSet.of(Ecosystem.WEIXIN), FROM, TO, Format.PARQUET, output));

    assertThat(rows).isEqualTo(Map.of(Ecosystem.WEIXIN, Map.of(Table.FUNNEL, 2L, Table.CONVERSIONS, 2L)));
    final String funnel = parquet(output, Ecosystem.WEIXIN, Table.FUNNEL);
    assertThat(query("SELECT count(*) FROM " + funnel)).isEqualTo("2");
    assertThat(query("SELECT CAST(sum(touched) AS BIGINT) FROM " + funnel)).as("12 + 7: the second double11, not the aborted 99")
        .isEqualTo("19");
    assertThat(query("SELECT string_agg(campaign_id, ',' ORDER BY campaign_id) FROM " + funnel)).isEqualTo("double11,member-day");
    assertThat(query("SELECT gmv FROM " + funnel + " WHERE campaign_id = 'double11'")).isEqualTo("{\"CNY\":7500,\"USD\":100}");
    assertThat(query("SELECT \"final\" FROM " + funnel + " WHERE campaign_id = 'double11'")).isEqualTo("true");
    assertThat(query("SELECT payers FROM " + funnel + " WHERE campaign_id = 'member-day'")).as("the field's default").isEqualTo("{}");
    assertThat(query("SELECT CAST(cohort_day AS VARCHAR) || ' ' || typeof(cohort_day) FROM " + funnel
        + " WHERE campaign_id = 'member-day'")).isEqualTo("2026-11-12 DATE");
    assertThat(query("SELECT string_agg(DISTINCT ecosystem, ',') FROM " + funnel)).isEqualTo("WEIXIN");

    final String conversions = parquet(output, Ecosystem.WEIXIN, Table.CONVERSIONS);
    assertThat(query("SELECT count(*) FROM " + conversions)).isEqualTo("2");
    assertThat(query("SELECT string_agg(transaction_id, ',' ORDER BY transaction_id) FROM " + conversions)).isEqualTo("tx-1,tx-2");
    assertThat(query("SELECT CAST(sum(amount) AS BIGINT) FROM " + conversions)).isEqualTo("3099");
    assertThat(query("SELECT CAST(paid_at AS VARCHAR) || ' ' || typeof(paid_at) FROM " + conversions
        + " WHERE transaction_id = 'tx-1'")).as("UTC").isEqualTo("2026-11-10 16:30:00 TIMESTAMP");
    assertThat(query("SELECT status FROM " + conversions + " WHERE transaction_id = 'tx-2'")).isEqualTo("ATTRIBUTED");
    assertThat(query("SELECT unattributed_reason FROM " + conversions + " WHERE transaction_id = 'tx-2'")).isNull();
    assertThat(query("SELECT attributions FROM " + conversions + " WHERE transaction_id = 'tx-2'")).isEqualTo(
        "[{\"model\":\"LAST_TOUCH\",\"touches\":[{\"touch_type\":\"READ\",\"event_id\":\"read-1\",\"campaign_id\":\"double11\","
            + "\"msg_id\":\"2247483610_1\",\"scene_str\":null,\"touch_time\":\"2026-11-12T15:00:00Z\",\"weight\":1.0,"
            + "\"time_to_convert_ms\":3540000}]}]");

    assertThat(text(progress))
        .contains("weixin " + Table.FUNNEL.label() + ": 2 rows -> " + Exporter.file(output, Ecosystem.WEIXIN, Table.FUNNEL, Format.PARQUET))
        .contains("weixin " + Table.CONVERSIONS.label() + ": 2 rows -> ")
        .contains("weixin " + Table.CONTENT_PERFORMANCE.label() + ": 0 rows, nothing was ever written to "
            + EcoTopic.CONTENT_PERFORMANCE.topic(Ecosystem.WEIXIN))
        .contains("weixin: days of timestamps in " + SHANGHAI);
    assertThat(Exporter.file(output, Ecosystem.WEIXIN, Table.CONTENT_PERFORMANCE, Format.PARQUET)).doesNotExist();
  }

  @Test
  void conversionsCountByTheDayOfPaidAtInTheTimeZoneTheFunnelRowsName() throws Exception {
    final Path output = dir.resolve("wechat");
    final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    final Map<Ecosystem, Map<Table, Long>> rows = exporter(progress)
        .export(new Exporter.Request(EnumSet.of(Ecosystem.WECHAT), FROM, TO, Format.PARQUET, output));

    // In UTC, WeChat's default, tx-6 would be in the range and tx-7 out of it.
    assertThat(rows).isEqualTo(Map.of(Ecosystem.WECHAT, Map.of(Table.FUNNEL, 1L, Table.CONVERSIONS, 1L)));
    final String conversions = parquet(output, Ecosystem.WECHAT, Table.CONVERSIONS);
    assertThat(query("SELECT string_agg(transaction_id, ',') FROM " + conversions)).isEqualTo("tx-7");
    assertThat(text(progress))
        .contains("wechat: days of timestamps in " + SINGAPORE)
        .contains("wechat " + Table.CONTENT_PERFORMANCE.label() + ": skipped, no topic " + EcoTopic.CONTENT_PERFORMANCE.topic(Ecosystem.WECHAT));
  }

  @Test
  void theCommandLineWritesCsvWithAHeader() throws Exception {
    final Path output = dir.resolve("csv");

    final CliRun run = CliRun.of("export", "--bootstrap-servers", stack.bootstrapServers(), "--schema-registry-url", stack.registryUrl(),
        "--ecosystem", "weixin", "--from", FROM.toString(), "--to", TO.toString(), "--format", "csv", "--output", output.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    final Path funnelFile = Exporter.file(output, Ecosystem.WEIXIN, Table.FUNNEL, Format.CSV);
    assertThat(run.err()).contains("weixin " + Table.FUNNEL.label() + ": 2 rows -> " + funnelFile);
    final String funnel = "read_csv_auto(" + literal(funnelFile) + ")";
    assertThat(query("SELECT count(*) FROM " + funnel)).isEqualTo("2");
    assertThat(query("SELECT gmv FROM " + funnel + " WHERE campaign_id = 'double11'")).isEqualTo("{\"CNY\":7500,\"USD\":100}");
    final String conversions = "read_csv_auto(" + literal(Exporter.file(output, Ecosystem.WEIXIN, Table.CONVERSIONS, Format.CSV)) + ")";
    assertThat(query("SELECT count(*) FROM " + conversions)).isEqualTo("2");
    assertThat(query("SELECT CAST(sum(amount) AS BIGINT) FROM " + conversions)).isEqualTo("3099");
    assertThat(Files.readAllLines(funnelFile).get(0)).startsWith("ecosystem,campaign_id,cohort_day,time_zone,touched,coupon,paid,gmv,");
    assertThat(output.resolve(EcoTopic.prefix(Ecosystem.WECHAT))).as("not asked for").doesNotExist();
  }

  @Test
  void aRangeThatEndsBeforeItStartsIsAUsageError() {
    final Path output = dir.resolve("never");

    final CliRun run = CliRun.of("export", "--from", TO.toString(), "--to", FROM.toString(), "--output", output.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--to " + FROM + " is before --from " + TO);
    assertThat(output).doesNotExist();
  }

  private static Exporter exporter(final ByteArrayOutputStream progress) {
    return new Exporter(stack.kafka().clientConfig(), new RegistryClient(stack.registryUrl()),
        new PrintStream(progress, true, StandardCharsets.UTF_8));
  }

  private static FunnelRow.Builder row(final Ecosystem eco, final String campaign, final LocalDate cohortDay, final String timeZone) {
    return FunnelRow.newBuilder().setEcosystem(eco).setCampaignId(campaign).setCohortDay(cohortDay).setTimeZone(timeZone)
        .setTouched(0).setCoupon(0).setPaid(0).setGmv(Map.of()).setFinal$(false);
  }

  private static Conversion.Builder conversion(final Ecosystem eco, final String transactionId, final String paidAt) {
    return Conversion.newBuilder().setTransactionId(transactionId).setEcosystem(eco).setAmount(0).setCurrency("CNY")
        .setPaidAt(Instant.parse(paidAt)).setStatus(ConversionStatus.UNATTRIBUTED).setUnattributedReason(UnattributedReason.NO_TOUCH)
        .setAttributions(List.of());
  }

  /** Last touch credits one read of double11, 59 minutes before tx-2. */
  private static ModelAttribution lastTouch() {
    return ModelAttribution.newBuilder().setModel(AttributionModel.LAST_TOUCH).setTouches(List.of(CreditedTouch.newBuilder()
        .setTouchType(TouchType.READ).setEventId("read-1").setCampaignId("double11").setMsgId("2247483610_1").setSceneStr(null)
        .setTouchTime(Instant.parse("2026-11-12T15:00:00Z")).setWeight(1.0).setTimeToConvertMs(3_540_000L).build())).build();
  }

  /** The funnel topic's key: campaign and cohort day. */
  private static String rowKey(final String campaign, final LocalDate cohortDay) {
    return campaign + "|" + cohortDay;
  }

  private static void send(final KafkaProducer<String, byte[]> producer, final FunnelRow row) {
    final String topic = EcoTopic.FUNNEL.topic(row.getEcosystem());
    producer.send(new ProducerRecord<>(topic, rowKey(row.getCampaignId(), row.getCohortDay()),
        serdes.value(FunnelRow.class).serializer().serialize(topic, row)));
  }

  private static void send(final KafkaProducer<String, byte[]> producer, final Conversion conversion) {
    final String topic = EcoTopic.CONVERSIONS.topic(conversion.getEcosystem());
    producer.send(new ProducerRecord<>(topic, conversion.getTransactionId(),
        serdes.value(Conversion.class).serializer().serialize(topic, conversion)));
  }

  private static void tombstone(final KafkaProducer<String, byte[]> producer, final Ecosystem eco, final EcoTopic topic, final String key) {
    producer.send(new ProducerRecord<>(topic.topic(eco), key, null));
  }

  /** Until the markers of every transaction are written: then a read_committed reader's end is the log's end. */
  private static void awaitTransactionsDecided(final Admin admin) {
    final List<TopicPartition> partitions = new ArrayList<>();
    for (final Ecosystem eco : Ecosystem.values()) {
      for (final EcoTopic topic : List.of(EcoTopic.FUNNEL, EcoTopic.CONVERSIONS)) {
        for (int partition = 0; partition < PARTITIONS; partition++) {
          partitions.add(new TopicPartition(topic.topic(eco), partition));
        }
      }
    }
    await().atMost(Duration.ofSeconds(30))
        .until(() -> ends(admin, partitions, IsolationLevel.READ_COMMITTED).equals(ends(admin, partitions, IsolationLevel.READ_UNCOMMITTED)));
  }

  private static Map<TopicPartition, Long> ends(final Admin admin, final List<TopicPartition> partitions, final IsolationLevel isolation)
      throws Exception {
    final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.forEach(partition -> latest.put(partition, OffsetSpec.latest()));
    final Map<TopicPartition, Long> ends = new HashMap<>();
    admin.listOffsets(latest, new ListOffsetsOptions(isolation)).all().get(10, TimeUnit.SECONDS)
        .forEach((partition, info) -> ends.put(partition, info.offset()));
    return ends;
  }

  private static String parquet(final Path output, final Ecosystem eco, final Table table) {
    return "read_parquet(" + literal(Exporter.file(output, eco, table, Format.PARQUET)) + ")";
  }

  private static String literal(final Path file) {
    return "'" + file.toAbsolutePath().toString().replace("'", "''") + "'";
  }

  /** The first column of the first row {@code sql} finds, as text, in a DuckDB of its own. */
  private static String query(final String sql) throws SQLException {
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = db.createStatement();
        ResultSet result = statement.executeQuery(sql)) {
      assertThat(result.next()).as(sql).isTrue();
      return result.getString(1);
    }
  }

  private static String text(final ByteArrayOutputStream bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
