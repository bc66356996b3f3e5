package wxfunnel.bench;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import wxfunnel.events.Ecosystem;
import wxfunnel.topics.EcoTopic;
import wxfunnel.topics.Names;
import wxfunnel.topology.Input;
import wxfunnel.topology.StreamsSettings;

/**
 * The limit the pipeline is measured against: a Kafka Streams app that reads every input of one
 * ecosystem and writes each record, as it came, to one output, exactly once. It runs under a
 * shadow's names ({@link #names}), so its lag is measured as the pipeline's is.
 */
final class PassThrough {

  static final String SHADOW = "passthrough";

  private PassThrough() {}

  /** The names of run {@code run}: each run is an application of its own, from the first input record. */
  static Names names(final Ecosystem eco, final int run) {
    return new Names(eco, SHADOW + "-" + run);
  }

  /** Its output topic, inside the ecosystem's prefix. */
  static String output(final Ecosystem eco) {
    return EcoTopic.prefix(eco) + ".bench-" + SHADOW;
  }

  static KafkaStreams start(final Names names, final Map<String, Object> kafka, final Path stateDir) {
    final Ecosystem eco = names.ecosystem();
    final StreamsBuilder builder = new StreamsBuilder();
    builder.stream(Input.ALL.stream().map(input -> names.topic(input.topic())).toList(),
            Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(names.of(SHADOW + "-source")))
        .to(output(eco), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(names.of(SHADOW + "-sink")));
    final Properties settings = new Properties();
    settings.putAll(kafka);
    settings.put(StreamsConfig.APPLICATION_ID_CONFIG, names.applicationId());
    settings.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    settings.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    settings.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, StreamsSettings.COMMIT_INTERVAL_MS);
    // The pipeline's producer settings, so the two are compared like for like.
    settings.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION),
        StreamsSettings.ONE_REQUEST_IN_FLIGHT);
    final KafkaStreams streams = new KafkaStreams(builder.build(), settings);
    streams.start();
    return streams;
  }
}
