package wxfunnel.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A command that runs until SIGTERM or Ctrl-C, or until something it runs fails for good; then
 * closes what it opened, newest first.
 */
final class UntilStopped {

  private final String command;
  private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private boolean closed;
  private volatile int exitCode;

  UntilStopped(final String command) {
    this.command = command;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      closeAll();
      done.countDown();
    }, "wxfunnel-" + command + "-shutdown"));
  }

  /** Closes {@code resource} when stopped (at once, if it has been); returns it. */
  synchronized <T extends AutoCloseable> T closeOnStop(final T resource) {
    if (closed) {
      closeQuietly(resource);
    } else {
      open.add(resource);
    }
    return resource;
  }

  /** Waits up to {@code timeout} for the command to stop; returns whether it has. */
  boolean stopsWithin(final Duration timeout) throws InterruptedException {
    return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Stops the command with exit code 1, saying why on stderr, so that whatever supervises it
   * (systemd, Docker, Kubernetes) starts it again. Safe to call from any thread.
   */
  void fail(final String why) {
    if (done.getCount() > 0) {
      System.err.println("wxfunnel " + command + ": " + why);
      exitCode = 1;
      done.countDown();
    }
  }

  /** Blocks until stopped or failed, and everything is closed; returns the exit code. */
  int await() throws InterruptedException {
    done.await();
    closeAll();
    return exitCode;
  }

  /** Closes everything once; a second caller waits until it is closed. */
  private synchronized void closeAll() {
    if (closed) {
      return;
    }
    closed = true;
    for (int i = open.size() - 1; i >= 0; i--) {
      closeQuietly(open.get(i));
    }
  }

  private static void closeQuietly(final AutoCloseable resource) {
    try {
      resource.close();
    } catch (Exception e) {
      // Stopping: close the rest.
    }
  }
}
