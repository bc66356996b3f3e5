package wxfunnel.serde;

import java.nio.ByteBuffer;
import wxfunnel.serde.UndecodableRecordException.Problem;

/**
 * The Confluent wire format: byte {@code 0x00}, the schema id as a 4-byte big-endian int, then the
 * Avro binary encoding of the datum.
 */
public final class WireFormat {

  public static final byte MAGIC_BYTE = 0x0;
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /** The schema id of a framed record, after checking its frame. */
  public static int schemaId(final byte[] framed) {
    if (framed.length < HEADER_SIZE) {
      throw new UndecodableRecordException(Problem.NOT_WIRE_FORMAT, "record of " + framed.length
          + " bytes is too short for the Confluent wire format (magic byte + 4-byte schema id + Avro)");
    }
    if (framed[0] != MAGIC_BYTE) {
      throw new UndecodableRecordException(Problem.NOT_WIRE_FORMAT, String.format(
          "unknown magic byte 0x%02x: not the Confluent wire format, which starts with 0x00", framed[0]));
    }
    return ByteBuffer.wrap(framed, 1, 4).getInt();
  }
}
