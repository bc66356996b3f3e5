package wxfunnel.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.avro.Schema;

/**
 * A schema registry in this JVM, with no HTTP and no broker, for topology tests (as Confluent's
 * {@code mock://} registry is): the local {@link RegistryServer}'s own {@link SchemaRepository},
 * so ids, versions, compatibility checks and error codes are the ones it gives, kept in memory
 * only. Each instance is a registry of its own, empty when made; ids are cached as {@link
 * RegistryClient} caches them.
 */
public final class InMemoryRegistry implements SchemaRegistry {

  private final String scope;
  private final SchemaRepository repository = SchemaRepository.inMemory();
  private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

  private record SubjectSchema(String subject, Schema schema) {}

  /** An empty registry, named {@code scope} in messages ({@code mock://scope}). */
  public InMemoryRegistry(final String scope) {
    this.scope = scope;
  }

  @Override
  public String baseUrl() {
    return "mock://" + scope;
  }

  @Override
  public int register(final String subject, final Schema schema) {
    return idsBySubjectSchema.computeIfAbsent(new SubjectSchema(subject, schema),
        key -> locked(() -> repository.register(subject, schema.toString())));
  }

  @Override
  public int idOf(final String subject, final Schema schema) {
    return idsBySubjectSchema.computeIfAbsent(new SubjectSchema(subject, schema), key -> lookup(subject, schema).id());
  }

  @Override
  public SubjectVersion lookup(final String subject, final Schema schema) {
    return locked(() -> repository.lookup(subject, schema.toString()));
  }

  @Override
  public Schema schemaById(final int id) {
    return locked(() -> repository.schemaById(id));
  }

  @Override
  public SubjectVersion version(final String subject, final String version) {
    return locked(() -> repository.version(subject, version));
  }

  @Override
  public Compatibility compatibility(final String subject) {
    return locked(() -> repository.subjectLevel(subject));
  }

  @Override
  public Compatibility globalCompatibility() {
    return locked(repository::globalLevel);
  }

  @Override
  public void setCompatibility(final String subject, final Compatibility level) {
    synchronized (repository) {
      repository.setLevel(subject, level);
    }
  }

  @Override
  public boolean isCompatible(final String subject, final String version, final Schema schema) {
    return locked(() -> repository.compatibilityProblems(subject, version, schema.toString())).isEmpty();
  }

  private <T> T locked(final Supplier<T> query) {
    synchronized (repository) {
      return query.get();
    }
  }
}
