package wxfunnel.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/** The Confluent compatibility levels, checked with Avro's own {@link SchemaCompatibility}. */
public enum Compatibility {
  NONE(false, false, false),
  BACKWARD(true, false, false),
  BACKWARD_TRANSITIVE(true, false, true),
  FORWARD(false, true, false),
  FORWARD_TRANSITIVE(false, true, true),
  FULL(true, true, false),
  FULL_TRANSITIVE(true, true, true);

  private final boolean newReadsOld;
  private final boolean oldReadsNew;
  private final boolean transitive;

  Compatibility(final boolean newReadsOld, final boolean oldReadsNew, final boolean transitive) {
    this.newReadsOld = newReadsOld;
    this.oldReadsNew = oldReadsNew;
    this.transitive = transitive;
  }

  public static Compatibility parse(final String level) {
    try {
      return valueOf(level.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw RegistryException.unprocessable(RegistryException.INVALID_COMPATIBILITY_LEVEL,
          "Invalid compatibility level: " + level);
    }
  }

  /**
   * Why {@code candidate} may not follow {@code history} (oldest first) under this level; empty
   * when it may. Non-transitive levels look at the latest version only, as Confluent's do.
   */
  public List<String> violations(final Schema candidate, final List<Schema> history) {
    final List<String> problems = new ArrayList<>();
    if (history.isEmpty()) {
      return problems;
    }
    final List<Schema> checked = transitive ? history : List.of(history.get(history.size() - 1));
    for (final Schema previous : checked) {
      if (newReadsOld) {
        problems.addAll(incompatibilities(candidate, previous, "new schema cannot read data written with an earlier one"));
      }
      if (oldReadsNew) {
        problems.addAll(incompatibilities(previous, candidate, "an earlier schema cannot read data written with the new one"));
      }
    }
    return problems;
  }

  private static List<String> incompatibilities(final Schema reader, final Schema writer, final String what) {
    final var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
    if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
      return List.of();
    }
    return result.getIncompatibilities().stream()
        .map(i -> what + ": " + i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")")
        .toList();
  }
}
