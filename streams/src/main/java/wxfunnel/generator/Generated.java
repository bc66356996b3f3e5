package wxfunnel.generator;

import org.apache.avro.specific.SpecificRecord;

/**
 * One simulated record as a producer would send it: to a topic, with a key, at a delivery time.
 * The value is an event, or raw bytes for the malformed ones.
 *
 * @param eventTime the event's own time (for raw bytes: the time it pretended to have)
 * @param deliverAt when the platform delivers it: retries and delays come after the event time
 */
public record Generated(String topic, String key, SpecificRecord value, byte[] raw, long eventTime, long deliverAt) {

  public boolean isMalformed() {
    return value == null;
  }
}
