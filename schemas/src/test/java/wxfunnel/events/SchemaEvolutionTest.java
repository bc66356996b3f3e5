package wxfunnel.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import wxfunnel.internal.ContentDelta;
import wxfunnel.internal.FunnelDelta;
import wxfunnel.internal.PaymentContent;
import wxfunnel.internal.PaymentCopy;
import wxfunnel.internal.PersonEvent;
import wxfunnel.internal.PersonState;

/**
 * The build's guard on the contract: every schema must stay BACKWARD compatible with each of its
 * published versions, kept under {@code schemas/src/main/avro-history/<Name>/v<N>.avsc}.
 *
 * <p>To change a schema: edit its {@code .avsc}, then add the new full schema (printed by the
 * failing test) as the next {@code v<N>.avsc}. A change that cannot read data written with an
 * earlier version fails the build.
 */
class SchemaEvolutionTest {

  private static final Pattern VERSION_FILE = Pattern.compile("v(\\d+)\\.avsc");
  private static final Path HISTORY = Path.of(System.getProperty("schema.history.dir", "src/main/avro-history"));

  static List<Schema> contract() {
    return List.of(
        ArticleRead.getClassSchema(),
        QrScan.getClassSchema(),
        CouponClick.getClassSchema(),
        Payment.getClassSchema(),
        Article.getClassSchema(),
        Conversion.getClassSchema(),
        FunnelRow.getClassSchema(),
        ContentPerformance.getClassSchema(),
        // Internal: repartition topics and changelogs must also read what an earlier version wrote.
        PersonEvent.getClassSchema(),
        PersonState.getClassSchema(),
        FunnelDelta.getClassSchema(),
        PaymentCopy.getClassSchema(),
        ContentDelta.getClassSchema(),
        PaymentContent.getClassSchema());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("contract")
  void currentSchemaReadsEveryPublishedVersion(final Schema current) throws IOException {
    for (final Path version : versions(current)) {
      final Schema writer = new Schema.Parser().parse(version.toFile());
      final var result = SchemaCompatibility.checkReaderWriterCompatibility(current, writer);
      assertThat(result.getType())
          .as("%s cannot read data written with %s: %s", current.getName(), version, result.getDescription())
          .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("contract")
  void latestPublishedVersionIsTheCurrentSchema(final Schema current) throws IOException {
    final List<Path> versions = versions(current);
    final Path latest = versions.get(versions.size() - 1);
    final int next = versionNumber(latest) + 1;
    assertThat(new Schema.Parser().parse(latest.toFile()))
        .as("%s changed since %s; once it is BACKWARD compatible, publish it as %s:%n%s",
            current.getName(), latest, latest.resolveSibling("v" + next + ".avsc"), current.toString(true))
        .isEqualTo(current);
  }

  private static List<Path> versions(final Schema schema) throws IOException {
    final Path dir = HISTORY.resolve(schema.getName());
    assertThat(dir).as("no published versions of %s:%n%s", schema.getName(), schema.toString(true)).isDirectory();
    try (Stream<Path> files = Files.list(dir)) {
      final List<Path> versions = files
          .filter(f -> VERSION_FILE.matcher(f.getFileName().toString()).matches())
          .sorted(Comparator.comparingInt(SchemaEvolutionTest::versionNumber))
          .toList();
      assertThat(versions).as("versions of %s in %s", schema.getName(), dir).isNotEmpty();
      return versions;
    }
  }

  private static int versionNumber(final Path file) {
    final Matcher m = VERSION_FILE.matcher(file.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a version file: " + file);
    }
    return Integer.parseInt(m.group(1));
  }
}
