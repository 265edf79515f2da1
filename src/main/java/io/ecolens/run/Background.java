package io.ecolens.run;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Work a stage does beside its own thread, e.g. a Delta read or commit it need not wait for yet:
 * each on a new daemon thread, which inherits the caller's Spark job group and description (so
 * cancelling the stage cancels it too), rather than on the common pool, which the openai scorer's
 * HTTP client uses in local mode.
 */
public final class Background {
  private Background() {}

  /** Starts {@code work}; {@code name} names its thread. */
  public static CompletableFuture<Void> run(String name, Runnable work) {
    return CompletableFuture.runAsync(work, task -> thread(name, task));
  }

  /** Starts {@code work}, whose value {@link #join} returns. */
  public static <T> CompletableFuture<T> supply(String name, Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, task -> thread(name, task));
  }

  /** Waits for {@code work}; its failure is rethrown as it was thrown, not wrapped. */
  public static <T> T join(CompletableFuture<T> work) {
    try {
      return work.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /** Waits for {@code work} to end, ignoring how: before a write that must come after it. */
  public static void settle(CompletableFuture<?> work) {
    work.handle((value, failure) -> null).join();
  }

  private static void thread(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
  }
}
