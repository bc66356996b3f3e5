package wxfunnel.cli;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A command that runs until SIGTERM or Ctrl-C, or until something it runs fails for good; then
 * closes what it opened, newest first.
 */
final class UntilStopped {

  private final String command;
  private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile int exitCode;

  UntilStopped(final String command) {
    this.command = command;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      closeAll();
      done.countDown();
    }, "wxfunnel-" + command + "-shutdown"));
  }

  /** Closes {@code resource} when stopped; returns it. */
  <T extends AutoCloseable> T closeOnStop(final T resource) {
    open.add(resource);
    return resource;
  }

  /**
   * Stops the command with exit code 1, saying why on stderr, so that whatever supervises it
   * (systemd, Docker, Kubernetes) starts it again. Safe to call from any thread.
   */
  void fail(final String why) {
    System.err.println("wxfunnel " + command + ": " + why);
    exitCode = 1;
    done.countDown();
  }

  /** Blocks until stopped or failed, and everything is closed; returns the exit code. */
  int await() throws InterruptedException {
    done.await();
    closeAll();
    return exitCode;
  }

  private void closeAll() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception e) {
        // Stopping: close the rest.
      }
    }
  }
}
