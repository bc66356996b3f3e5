package wxfunnel.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What may leave an ecosystem at {@code /metrics}: every series, by its name or its family's
 * prefix, with the labels it may carry, the values each label may take, and the kind of number it
 * is ({@code egress-manifest.json}; the README's "What leaves the wall" lists its series). {@link #violations} lists every sample of
 * a scrape that the manifest does not allow.
 */
public final class EgressManifest {

  public static final String RESOURCE = "/egress-manifest.json";
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: -?\\d+)?$");
  private static final Pattern LABEL = Pattern.compile("\\G([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  /** The kinds of number a series may show; NaN and infinities are none of them. */
  enum Kind {
    /** A whole number of persons, payments or records, 0 or more. */
    COUNT,
    /** An amount in minor units of its currency, 0 or more, whole. */
    MONEY,
    /** 0 or more: seconds, bytes, shares of credit. */
    NON_NEGATIVE,
    /** 0 or 1. */
    FLAG,
    /** Any finite number. */
    NUMBER;

    boolean allows(final double value) {
      if (!Double.isFinite(value)) {
        return false;
      }
      return switch (this) {
        case COUNT, MONEY -> value >= 0 && value == Math.rint(value);
        case NON_NEGATIVE -> value >= 0;
        case FLAG -> value == 0 || value == 1;
        case NUMBER -> true;
      };
    }
  }

  /** A series, or a family of series when {@code prefix}: labels it may carry (a family: any of them) and its kind. */
  record Series(String name, boolean prefix, Map<String, Pattern> labels, Kind kind) {

    boolean names(final String sample) {
      return prefix ? sample.startsWith(name) : sample.equals(name);
    }
  }

  private final List<Series> series;

  EgressManifest(final List<Series> series) {
    this.series = List.copyOf(series);
  }

  /** The manifest shipped with wxfunnel. */
  public static EgressManifest load() {
    try (InputStream in = EgressManifest.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return parse(new ObjectMapper().readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static EgressManifest parse(final JsonNode manifest) {
    final Map<String, String> values = new LinkedHashMap<>();
    manifest.path("labelValues").fields().forEachRemaining(entry -> values.put(entry.getKey(), entry.getValue().asText()));
    final List<Series> series = new ArrayList<>();
    for (final JsonNode entry : manifest.path("series")) {
      final Map<String, Pattern> labels = new LinkedHashMap<>();
      entry.path("labels").fields().forEachRemaining(label -> {
        final String spec = label.getValue().asText();
        final String regex = spec.startsWith("@") ? values.get(spec.substring(1)) : spec;
        if (regex == null) {
          throw new IllegalArgumentException("label " + label.getKey() + " refers to " + spec + ", which labelValues does not define");
        }
        labels.put(label.getKey(), Pattern.compile(regex));
      });
      final boolean prefix = entry.has("prefix");
      series.add(new Series(entry.path(prefix ? "prefix" : "name").asText(), prefix, labels,
          Kind.valueOf(entry.path("kind").asText().toUpperCase(Locale.ROOT).replace('-', '_'))));
    }
    return new EgressManifest(series);
  }

  /** Every sample of {@code scrape} (Prometheus text) the manifest does not allow, each with why. */
  public List<String> violations(final String scrape) {
    final List<String> violations = new ArrayList<>();
    scrape.lines().filter(line -> !line.isBlank() && !line.startsWith("#"))
        .forEach(line -> why(line).ifPresent(why -> violations.add(line + "  <- " + why)));
    return violations;
  }

  private Optional<String> why(final String line) {
    final Matcher sample = SAMPLE.matcher(line);
    if (!sample.matches()) {
      return Optional.of("not a sample of the Prometheus text format");
    }
    final String name = sample.group(1);
    final Optional<Series> allowed = series.stream().filter(s -> s.names(name)).findFirst();
    if (allowed.isEmpty()) {
      return Optional.of("no series of this name may leave");
    }
    final Series entry = allowed.get();
    final Optional<Map<String, String>> parsed = labels(sample.group(2) == null ? "" : sample.group(2));
    if (parsed.isEmpty()) {
      return Optional.of("labels that are not name=\"value\" pairs, each name once");
    }
    final Map<String, String> labels = parsed.get();
    if (!entry.prefix() && !labels.keySet().equals(entry.labels().keySet())) {
      return Optional.of("labels " + labels.keySet() + ", the manifest says " + entry.labels().keySet());
    }
    for (final Map.Entry<String, String> label : labels.entrySet()) {
      final Pattern values = entry.labels().get(label.getKey());
      if (values == null) {
        return Optional.of("label " + label.getKey() + " may not leave");
      }
      if (!values.matcher(label.getValue()).matches()) {
        return Optional.of("label " + label.getKey() + " outside " + values);
      }
    }
    final Optional<Double> value = parseValue(sample.group(3));
    return value.isPresent() && entry.kind().allows(value.get()) ? Optional.empty()
        : Optional.of("value is not a " + entry.kind());
  }

  /** The labels of a sample, or empty when their text is not a list of pairs, each name once. */
  private static Optional<Map<String, String>> labels(final String text) {
    final Map<String, String> labels = new LinkedHashMap<>();
    final Matcher label = LABEL.matcher(text);
    int end = 0;
    while (label.find()) {
      if (labels.put(label.group(1), label.group(2)) != null) {
        return Optional.empty();
      }
      end = label.end();
    }
    return end == text.length() ? Optional.of(labels) : Optional.empty();
  }

  /** A sample's value; empty when it is not a number of the text format. */
  private static Optional<Double> parseValue(final String text) {
    try {
      return Optional.of(switch (text) {
        case "+Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        default -> Double.parseDouble(text);
      });
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
