package io.ecolens.spark;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;

/**
 * Keeps the JDK HttpClient from starting a thread for every response.
 *
 * <p>{@code HttpClient.sendAsync} completes its future on CompletableFuture's default executor: the
 * common ForkJoinPool, unless the pool's parallelism is 1 (the default on machines with 2 cores or
 * fewer, and in 1- or 2-core executor containers), in which case the JDK starts a new thread per
 * completion. At a thousand answers a second that is a thousand threads created and torn down a
 * second: on the 2-core benchmark machine at cap 256, 1.28 instead of 0.80 ms of CPU per request
 * (measured before the client ran its own steps in place).
 * The parallelism is read once, when the pool first starts, so it has to be set at JVM start:
 * ecolens's entry points call {@link #widen()} first thing, and
 * {@link #executorJavaOption(String, String)} adds it to Spark executors' JVM options.
 */
public final class CommonPool {
  /** The JDK's system property for the common pool's parallelism. */
  public static final String PROPERTY = "java.util.concurrent.ForkJoinPool.common.parallelism";
  /** Parallelism below which CompletableFuture falls back to a thread per task. */
  public static final int MIN_PARALLELISM = 2;

  private CommonPool() {}

  /**
   * Sets the property for this JVM when it is not set and the default would be 1. Effective only
   * before anything has started the common pool, i.e. at the top of {@code main}.
   */
  public static void widen() {
    if (System.getProperty(PROPERTY) == null && Runtime.getRuntime().availableProcessors() - 1 < MIN_PARALLELISM) {
      System.setProperty(PROPERTY, String.valueOf(MIN_PARALLELISM));
    }
  }

  /** True when async completions in this JVM each get a new thread (the pool's parallelism is 1). */
  public static boolean threadPerCompletion() {
    return !(new CompletableFuture<Void>().defaultExecutor() instanceof ForkJoinPool);
  }

  /**
   * Executors' {@code extraJavaOptions} with the property added: {@code existing} unchanged when it
   * already sets it or when executors have more than 2 cores ({@code executorCores}, null when not
   * configured: YARN and Kubernetes then give executors 1 core).
   */
  public static String executorJavaOption(String existing, String executorCores) {
    String options = existing == null ? "" : existing.strip();
    if (options.contains("-D" + PROPERTY + "=")) {
      return options;
    }
    if (executorCores != null) {
      try {
        if (Integer.parseInt(executorCores.strip()) - 1 >= MIN_PARALLELISM) {
          return options;
        }
      } catch (NumberFormatException notANumber) {
        // Spark itself rejects it; leave the options as they are
        return options;
      }
    }
    String add = "-D" + PROPERTY + "=" + MIN_PARALLELISM;
    return options.isEmpty() ? add : options + " " + add;
  }
}
