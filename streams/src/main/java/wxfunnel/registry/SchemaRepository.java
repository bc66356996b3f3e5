package wxfunnel.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.avro.Schema;

/**
 * The registry's rules and its in-memory view: subjects, their versions, global schema ids and
 * compatibility levels. Every change is first written to its log (the server's {@link SchemaLog})
 * and then applied here, so replaying the log rebuilds the same view (and the same ids) after a
 * restart. Not thread-safe: callers hold its monitor.
 */
final class SchemaRepository {

  /** One change of the registry, as stored in the log. */
  sealed interface Entry permits SchemaEntry, ConfigEntry {}

  /** Version {@code version} of {@code subject} is the schema with global id {@code id}. */
  record SchemaEntry(String subject, int version, int id, String schema) implements Entry {}

  /** The compatibility level of {@code subject}, or the global level when subject is null. */
  record ConfigEntry(String subject, Compatibility level) implements Entry {}

  private final Map<Integer, Schema> schemasById = new HashMap<>();
  private final Map<String, Integer> idsByCanonical = new HashMap<>();
  private final Map<String, TreeMap<Integer, Integer>> subjects = new TreeMap<>();
  private final Map<String, Compatibility> subjectLevels = new HashMap<>();
  private final Consumer<Entry> log;
  private Compatibility globalLevel = Compatibility.BACKWARD;

  /** A repository that writes each change to {@code log}, and returns only once it is written. */
  SchemaRepository(final Consumer<Entry> log) {
    this.log = log;
  }

  /** A repository whose changes are kept in this JVM only. */
  static SchemaRepository inMemory() {
    return new SchemaRepository(entry -> { });
  }

  /**
   * {@code POST /subjects/{s}/versions}: the id of {@code schemaText} under {@code subject}, logging
   * and applying a new version when the subject does not hold it yet.
   */
  int register(final String subject, final String schemaText) {
    final Optional<SchemaEntry> planned = planRegistration(subject, schemaText);
    if (planned.isEmpty()) {
      return lookup(subject, schemaText).id();
    }
    log.accept(planned.get());
    apply(planned.get());
    return planned.get().id();
  }

  /** {@code PUT /config/{s}}: logs and applies the level of {@code subject}, or the global one when it is null. */
  void setLevel(final String subject, final Compatibility level) {
    final ConfigEntry entry = new ConfigEntry(subject, level);
    log.accept(entry);
    apply(entry);
  }

  void apply(final Entry entry) {
    if (entry instanceof SchemaEntry s) {
      final Schema schema = parse(s.schema());
      schemasById.put(s.id(), schema);
      idsByCanonical.putIfAbsent(schema.toString(), s.id());
      subjects.computeIfAbsent(s.subject(), k -> new TreeMap<>()).put(s.version(), s.id());
    } else if (entry instanceof ConfigEntry c) {
      if (c.subject() == null) {
        globalLevel = c.level();
      } else {
        subjectLevels.put(c.subject(), c.level());
      }
    }
  }

  /**
   * What registering {@code schemaText} under {@code subject} changes: nothing (empty) when the
   * subject already holds it, else the new version to log. Throws 42201 for an invalid schema and
   * 409 for one the subject's compatibility level refuses.
   */
  private Optional<SchemaEntry> planRegistration(final String subject, final String schemaText) {
    final Schema schema = parse(schemaText);
    if (find(subject, schema).isPresent()) {
      return Optional.empty();
    }
    final List<String> violations = levelOf(subject).violations(schema, history(subject));
    if (!violations.isEmpty()) {
      throw new RegistryException(409, RegistryException.INCOMPATIBLE_SCHEMA,
          "Schema being registered is incompatible with an earlier schema for subject \"" + subject + "\": "
              + String.join("; ", violations));
    }
    final String canonical = schema.toString();
    final int id = idsByCanonical.getOrDefault(canonical, nextId());
    final TreeMap<Integer, Integer> versions = subjects.get(subject);
    final int version = versions == null || versions.isEmpty() ? 1 : versions.lastKey() + 1;
    return Optional.of(new SchemaEntry(subject, version, id, canonical));
  }

  /** {@code POST /subjects/{s}}: the version of the subject holding the schema. */
  SubjectVersion lookup(final String subject, final String schemaText) {
    final Schema schema = parse(schemaText);
    requireSubject(subject);
    return find(subject, schema).orElseThrow(() -> RegistryException.notFound(RegistryException.SCHEMA_NOT_FOUND,
        "Schema not found under subject \"" + subject + "\""));
  }

  SubjectVersion version(final String subject, final String version) {
    final TreeMap<Integer, Integer> versions = requireSubject(subject);
    final int number = versionNumber(versions, version);
    final Integer id = versions.get(number);
    if (id == null) {
      throw RegistryException.notFound(RegistryException.VERSION_NOT_FOUND,
          "Version " + version + " not found for subject \"" + subject + "\"");
    }
    return new SubjectVersion(subject, id, number, schemasById.get(id));
  }

  List<Integer> versions(final String subject) {
    return List.copyOf(requireSubject(subject).keySet());
  }

  List<String> subjects() {
    return List.copyOf(subjects.keySet());
  }

  Schema schemaById(final int id) {
    final Schema schema = schemasById.get(id);
    if (schema == null) {
      throw RegistryException.notFound(RegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
    }
    return schema;
  }

  /** {@code POST /compatibility/subjects/{s}/versions/{v}}: the problems, empty when compatible. */
  List<String> compatibilityProblems(final String subject, final String version, final String schemaText) {
    final Schema schema = parse(schemaText);
    final SubjectVersion against = version(subject, version);
    final Compatibility level = levelOf(subject);
    final List<Schema> history = new ArrayList<>();
    if (level.name().endsWith("_TRANSITIVE")) {
      for (final int v : subjects.get(subject).headMap(against.version(), true).keySet()) {
        history.add(schemasById.get(subjects.get(subject).get(v)));
      }
    } else {
      history.add(against.schema());
    }
    return level.violations(schema, history);
  }

  /** {@code GET /config/{s}}: the subject's own level; 40408 when only the global level applies. */
  Compatibility subjectLevel(final String subject) {
    final Compatibility level = subjectLevels.get(subject);
    if (level == null) {
      throw RegistryException.notFound(RegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
          "Subject '" + subject + "' does not have subject-level compatibility configured");
    }
    return level;
  }

  Compatibility levelOf(final String subject) {
    return subjectLevels.getOrDefault(subject, globalLevel);
  }

  Compatibility globalLevel() {
    return globalLevel;
  }

  private Optional<SubjectVersion> find(final String subject, final Schema schema) {
    final TreeMap<Integer, Integer> versions = subjects.get(subject);
    final Integer id = idsByCanonical.get(schema.toString());
    if (versions == null || id == null) {
      return Optional.empty();
    }
    return versions.entrySet().stream()
        .filter(e -> e.getValue().equals(id))
        .findFirst()
        .map(e -> new SubjectVersion(subject, id, e.getKey(), schemasById.get(id)));
  }

  private List<Schema> history(final String subject) {
    final TreeMap<Integer, Integer> versions = subjects.get(subject);
    return versions == null ? List.of() : versions.values().stream().map(schemasById::get).toList();
  }

  private TreeMap<Integer, Integer> requireSubject(final String subject) {
    final TreeMap<Integer, Integer> versions = subjects.get(subject);
    if (versions == null || versions.isEmpty()) {
      throw RegistryException.notFound(RegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }
    return versions;
  }

  private static int versionNumber(final TreeMap<Integer, Integer> versions, final String version) {
    if ("latest".equals(version) || "-1".equals(version)) {
      return versions.lastKey();
    }
    try {
      final int number = Integer.parseInt(version);
      if (number > 0) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw RegistryException.unprocessable(RegistryException.INVALID_VERSION,
        "The specified version '" + version + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
  }

  private int nextId() {
    return schemasById.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
  }

  private static Schema parse(final String schemaText) {
    if (schemaText == null || schemaText.isBlank()) {
      throw RegistryException.unprocessable(RegistryException.INVALID_SCHEMA, "Invalid schema: empty");
    }
    try {
      return new Schema.Parser().parse(schemaText);
    } catch (RuntimeException e) {
      throw RegistryException.unprocessable(RegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
    }
  }
}
