package wxfunnel.registry;

import org.apache.avro.Schema;

/**
 * What the serdes and tools ask of a schema registry: the calls of the Confluent Schema Registry
 * REST API they use, with its ids, versions, compatibility levels and error codes (a refusal is a
 * {@link RegistryException}). {@link RegistryClient} asks a registry over HTTP; {@link
 * InMemoryRegistry} answers in this JVM, for tests that need no broker.
 */
public interface SchemaRegistry {

  /** Where the registry is, for messages: its URL, or {@code mock://...} for one in memory. */
  String baseUrl();

  /** Registers {@code schema} under {@code subject} (or finds it there) and returns its id. */
  int register(String subject, Schema schema);

  /** The id of {@code schema} under {@code subject}; 40401 or 40403 when it is not registered. */
  int idOf(String subject, Schema schema);

  /** {@code POST /subjects/{s}}: the version of {@code subject} that holds {@code schema}. */
  SubjectVersion lookup(String subject, Schema schema);

  /** {@code GET /schemas/ids/{id}}; 40403 for an id the registry does not have. */
  Schema schemaById(int id);

  /** {@code GET /subjects/{s}/versions/latest}. */
  default SubjectVersion latest(final String subject) {
    return version(subject, "latest");
  }

  /** {@code GET /subjects/{s}/versions/{v}}: a version number, or {@code latest}. */
  SubjectVersion version(String subject, String version);

  /** The subject's own compatibility level; 40408 when only the global level applies. */
  Compatibility compatibility(String subject);

  /** {@code GET /config}: the level of subjects without one of their own. */
  Compatibility globalCompatibility();

  /** {@code PUT /config/{s}}. */
  void setCompatibility(String subject, Compatibility level);

  /** {@code POST /compatibility/subjects/{s}/versions/{v}}. */
  boolean isCompatible(String subject, String version, Schema schema);
}
