package wxfunnel.topics;

/** Why a record is in the dead-letter queue: the value of its {@code wxfunnel.reason} header. */
public enum DlqReason {
  /** Not the Confluent wire format, truncated, corrupt, or a schema of another record type. */
  UNDECODABLE,
  /** The registry does not know the record's schema id. */
  UNKNOWN_SCHEMA,
  /** A required field is absent from the writer's schema, or empty. */
  MISSING_FIELD,
  /** A field's value is malformed (a currency that is not ISO 4217, an id too long). */
  INVALID_FIELD,
  /** A negative amount, or one larger than any real payment. */
  INVALID_AMOUNT,
  /** An event time far in the future, or before the platform existed. */
  INVALID_TIMESTAMP,
  /** The record's ecosystem field names the other ecosystem. */
  WRONG_ECOSYSTEM,
  /** A null value on an event topic. */
  NULL_VALUE,
  /** Arrived later than the grace period. */
  LATE,
  /** Processing failed unexpectedly (a bug): kept here so that nothing is lost. */
  PROCESSING_ERROR
}
