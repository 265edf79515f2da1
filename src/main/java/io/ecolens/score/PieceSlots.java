package io.ecolens.score;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;

/**
 * Whether two scoring pieces' jobs may overlap without passing {@code max-concurrency}. Each of the
 * P partitions of a piece gets max-concurrency / P requests in flight ({@link
 * io.ecolens.scorer.openai.TaskShare}); when the next piece's job starts before the previous one
 * ends, their tasks together stay within the limit only if no more than P tasks can run at once
 * (the job's task slots are at most P, and stay so: no dynamic allocation) and every partition's
 * share is the same (P divides max-concurrency).
 */
final class PieceSlots {
  private static final Pattern LOCAL = Pattern.compile("local\\[(\\*|\\d+)(?:,\\s*\\d+)?]");

  private PieceSlots() {}

  /** Whether {@code sc}'s job can run two pieces of {@code tasks} partitions at once within max-concurrency. */
  static boolean overlapSafe(SparkContext sc, int tasks, int maxConcurrency) {
    int cpusPerTask = sc.conf().getInt("spark.task.cpus", 1);
    int slots = taskSlots(sc.master(), Runtime.getRuntime().availableProcessors(), cpusPerTask,
        sc.conf().contains("spark.default.parallelism") ? 0 : sc.defaultParallelism());
    return overlapSafe(slots, sc.conf().getBoolean("spark.dynamicAllocation.enabled", false), tasks, maxConcurrency);
  }

  /** The rule itself: at most {@code tasks} slots (0: unknown), a fixed number of them, equal shares. */
  static boolean overlapSafe(int slots, boolean dynamicAllocation, int tasks, int maxConcurrency) {
    return !dynamicAllocation && slots > 0 && slots <= tasks && tasks <= maxConcurrency
        && maxConcurrency % tasks == 0;
  }

  /**
   * Tasks a job on {@code master} can run at once: from a local master's thread count, else the
   * executors' cores ({@code clusterCores}, 0 when unknown), each task taking {@code cpusPerTask}.
   */
  static int taskSlots(String master, int machineCores, int cpusPerTask, int clusterCores) {
    int perTask = Math.max(1, cpusPerTask);
    if (master.equals("local")) {
      return 1;
    }
    Matcher local = LOCAL.matcher(master);
    if (local.matches()) {
      int threads = local.group(1).equals("*") ? machineCores : Integer.parseInt(local.group(1));
      return Math.max(1, threads / perTask);
    }
    return clusterCores <= 0 ? 0 : Math.max(1, clusterCores / perTask);
  }
}
