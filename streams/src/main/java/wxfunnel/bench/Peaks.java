package wxfunnel.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The largest heap in use and resident set size of this JVM while a phase runs, sampled every
 * {@value #INTERVAL_MS} ms. RSS is read from {@code /proc/self/status}; where there is none, it is -1.
 */
final class Peaks implements AutoCloseable {

  private static final long INTERVAL_MS = 100;
  private static final Path STATUS = Path.of("/proc/self/status");

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final Thread sampler;
  private volatile long heapBytes;
  private volatile long rssBytes = -1;
  private volatile boolean stopped;

  Peaks() {
    sampler = new Thread(this::sample, "wxfunnel-bench-peaks");
    sampler.setDaemon(true);
    sampler.start();
  }

  private void sample() {
    while (!stopped) {
      heapBytes = Math.max(heapBytes, memory.getHeapMemoryUsage().getUsed());
      rssBytes = Math.max(rssBytes, rss());
      try {
        Thread.sleep(INTERVAL_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static long rss() {
    try {
      for (final String line : Files.readAllLines(STATUS)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: no RSS.
    }
    return -1;
  }

  long heapMib() {
    return heapBytes >> 20;
  }

  long rssMib() {
    return rssBytes < 0 ? -1 : rssBytes >> 20;
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    sampler.interrupt();
    sampler.join();
  }
}
