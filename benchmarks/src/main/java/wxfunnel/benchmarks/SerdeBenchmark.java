package wxfunnel.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Utils;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import wxfunnel.events.ArticleRead;
import wxfunnel.events.Ecosystem;
import wxfunnel.events.Payment;
import wxfunnel.generator.Generated;
import wxfunnel.generator.Generator;
import wxfunnel.local.LocalStack;
import wxfunnel.registry.RegistryClient;
import wxfunnel.serde.AvroDeserializer;
import wxfunnel.serde.AvroSerializer;
import wxfunnel.topics.EcoTopic;

/**
 * The project's Confluent-wire-format serde on real records from the generator: serialize and
 * deserialize an {@code ArticleRead} and a {@code Payment}. The registry is a real one (the local
 * stack, over HTTP); its ids are cached after the first call, as in a running processor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SerdeBenchmark {

  private static final String READS = EcoTopic.READS.topic(Ecosystem.WEIXIN);
  private static final String PAYMENTS = EcoTopic.PAYMENTS.topic(Ecosystem.WEIXIN);

  private Path dir;
  private LocalStack stack;
  private AvroSerializer<SpecificRecord> serializer;
  private AvroDeserializer<ArticleRead> reads;
  private AvroDeserializer<Payment> payments;
  private ArticleRead read;
  private Payment payment;
  private byte[] readBytes;
  private byte[] paymentBytes;

  @Setup
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("wxfunnel-serde-bench");
    stack = LocalStack.start(dir, 0, 0);
    final RegistryClient registry = new RegistryClient(stack.registryUrl());
    serializer = new AvroSerializer<>(registry, false, true);
    reads = new AvroDeserializer<>(registry, ArticleRead.class);
    payments = new AvroDeserializer<>(registry, Payment.class);
    final Generator generator = new Generator(Generator.Settings.of(42, 100_000));
    while (read == null || payment == null) {
      final Generated record = generator.next();
      if (!record.isMalformed() && record.value() instanceof ArticleRead r && read == null) {
        read = r;
      } else if (!record.isMalformed() && record.value() instanceof Payment p && payment == null) {
        payment = p;
      }
    }
    readBytes = serializer.serialize(READS, read);
    paymentBytes = serializer.serialize(PAYMENTS, payment);
  }

  @TearDown
  public void tearDown() throws Exception {
    stack.close();
    Utils.delete(dir.toFile());
  }

  @Benchmark
  public byte[] serializeArticleRead() {
    return serializer.serialize(READS, read);
  }

  @Benchmark
  public byte[] serializePayment() {
    return serializer.serialize(PAYMENTS, payment);
  }

  @Benchmark
  public ArticleRead deserializeArticleRead() {
    return reads.deserialize(READS, readBytes);
  }

  @Benchmark
  public Payment deserializePayment() {
    return payments.deserialize(PAYMENTS, paymentBytes);
  }
}
