package wxfunnel.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The bytes are not a record wxfunnel can read, whatever happens to the registry: retrying will
 * not help, so the record belongs in the dead-letter queue. (A registry that cannot be reached is
 * a plain {@link SerializationException} instead: the record is fine, the call is retried.)
 */
public final class UndecodableRecordException extends SerializationException {

  /** What is wrong with the bytes. */
  public enum Problem {
    /** Not the Confluent wire format: too short, or another magic byte. */
    NOT_WIRE_FORMAT,
    /** The registry does not know the schema id. */
    UNKNOWN_SCHEMA,
    /** The writer's schema lacks a field the reader requires. */
    MISSING_FIELD,
    /** A schema of another record type. */
    WRONG_TYPE,
    /** Truncated, corrupt or with bytes left over. */
    CORRUPT
  }

  private final Problem problem;

  public UndecodableRecordException(final Problem problem, final String message) {
    super(message);
    this.problem = problem;
  }

  public UndecodableRecordException(final Problem problem, final String message, final Throwable cause) {
    super(message, cause);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }
}
