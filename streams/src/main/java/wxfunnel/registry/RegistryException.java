package wxfunnel.registry;

/**
 * An answer of the schema registry that is not a success: the HTTP status, the Confluent
 * {@code error_code} (40401 subject not found, 40403 schema not found, 42201 invalid schema, 409
 * incompatible, ...) and its message.
 */
public final class RegistryException extends RuntimeException {

  public static final int SUBJECT_NOT_FOUND = 40401;
  public static final int VERSION_NOT_FOUND = 40402;
  public static final int SCHEMA_NOT_FOUND = 40403;
  public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
  public static final int INCOMPATIBLE_SCHEMA = 409;
  public static final int INVALID_SCHEMA = 42201;
  public static final int INVALID_VERSION = 42202;
  public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
  public static final int STORE_ERROR = 50001;

  private final int status;
  private final int errorCode;

  public RegistryException(final int status, final int errorCode, final String message) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }

  public static RegistryException notFound(final int errorCode, final String message) {
    return new RegistryException(404, errorCode, message);
  }

  public static RegistryException unprocessable(final int errorCode, final String message) {
    return new RegistryException(422, errorCode, message);
  }

  public int status() {
    return status;
  }

  public int errorCode() {
    return errorCode;
  }

  /** Whether asking again later may succeed: the registry is overloaded or failing, not refusing. */
  public boolean isRetriable() {
    return status >= 500 || status == 429;
  }

  /** Whether {@code e} comes from a schema registry that does not answer, or answers that it cannot now: an outage to wait out. */
  public static boolean isOutage(final Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof RegistryException registry && registry.isRetriable()) {
        return true;
      }
    }
    return false;
  }
}
