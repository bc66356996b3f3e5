package wxfunnel.cli;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** A command that runs until SIGTERM or Ctrl-C, then closes what it opened, newest first. */
final class UntilStopped {

  private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
  private final CountDownLatch stopped = new CountDownLatch(1);

  UntilStopped(final String command) {
    Runtime.getRuntime().addShutdownHook(new Thread(this::closeAll, "wxfunnel-" + command + "-shutdown"));
  }

  /** Closes {@code resource} when stopped; returns it. */
  <T extends AutoCloseable> T closeOnStop(final T resource) {
    open.add(resource);
    return resource;
  }

  /** Blocks until stopped and everything is closed. */
  void await() throws InterruptedException {
    stopped.await();
  }

  private void closeAll() {
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception e) {
        // Stopping: close the rest.
      }
    }
    stopped.countDown();
  }
}
