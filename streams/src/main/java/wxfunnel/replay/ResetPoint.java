package wxfunnel.replay;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** Where a replay starts reading its inputs again, as {@code StreamsResetter} options. */
public sealed interface ResetPoint {

  List<String> resetterOptions();

  /** From the first record still on the broker. */
  record Earliest() implements ResetPoint {
    @Override
    public List<String> resetterOptions() {
      return List.of("--to-earliest");
    }
  }

  /** From the first record at or after {@code time}, by record timestamp. */
  record At(Instant time) implements ResetPoint {
    private static final DateTimeFormatter KAFKA = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    @Override
    public List<String> resetterOptions() {
      return List.of("--to-datetime", KAFKA.format(time));
    }
  }

  /** From {@code ago} before now. */
  record Ago(Duration ago) implements ResetPoint {
    @Override
    public List<String> resetterOptions() {
      return List.of("--by-duration", ago.toString());
    }
  }
}
