package wxfunnel.export;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One line of progress: a bar of the records read out of all there are to read, redrawn in
 * place at most ten times a second, and erased when done so that a summary line can take its place.
 */
final class Progress {

  private static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final int BAR_WIDTH = 30;

  private final PrintStream out;
  private final String label;
  private final long total;
  private long drawnAt;
  /** How wide the line on screen is, so that a shorter one can blank it out. */
  private int drawnWidth;

  Progress(final PrintStream out, final String label, final long total) {
    this.out = out;
    this.label = label;
    this.total = total;
    draw(0, System.nanoTime());
  }

  /** {@code done} records read so far; drawn unless the last drawing is less than a tenth of a second old. */
  void update(final long done) {
    final long now = System.nanoTime();
    if (now - drawnAt >= REDRAW_NANOS) {
      draw(done, now);
    }
  }

  /** Erases the bar; the line is free for what comes next. */
  void close() {
    out.print("\r" + " ".repeat(drawnWidth) + "\r");
    out.flush();
  }

  private void draw(final long done, final long now) {
    final double share = total == 0 ? 1 : Math.min(1, (double) done / total);
    final int filled = (int) Math.round(share * BAR_WIDTH);
    final String line = String.format(Locale.ROOT, "%s [%s%s] %3d%% %,d/%,d records", label, "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled), Math.round(share * 100), done, total);
    out.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
    out.flush();
    drawnWidth = Math.max(drawnWidth, line.length());
    drawnAt = now;
  }
}
