package io.ecolens.score;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;

/**
 * Whether two scoring jobs may overlap without passing {@code max-concurrency}. Each of the P
 * partitions of a chunk gets max-concurrency / P requests in flight ({@link
 * io.ecolens.scorer.openai.TaskShare}); when the next chunk's job starts before the previous one
 * ends, their tasks together stay within the limit only if no more than P tasks can run at once
 * (the job's task slots are at most P, and stay so: no dynamic allocation) and every partition's
 * share is the same (P divides max-concurrency).
 */
final class PieceSlots {
  private static final Pattern LOCAL = Pattern.compile("local\\[(\\*|\\d+)(?:,\\s*\\d+)?]");

  private PieceSlots() {}

  static boolean overlapSafe(SparkContext sc, int tasks, int maxConcurrency) {
    if (sc.conf().getBoolean("spark.dynamicAllocation.enabled", false) || maxConcurrency % tasks != 0) {
      return false;
    }
    int slots = taskSlots(sc);
    return slots > 0 && slots <= tasks;
  }

  /** Tasks the job can run at once, or 0 when that cannot be told from the configuration. */
  static int taskSlots(SparkContext sc) {
    String master = sc.master();
    int cpusPerTask = Math.max(1, sc.conf().getInt("spark.task.cpus", 1));
    if (master.equals("local")) {
      return 1;
    }
    Matcher local = LOCAL.matcher(master);
    if (local.matches()) {
      int cores = local.group(1).equals("*") ? Runtime.getRuntime().availableProcessors()
          : Integer.parseInt(local.group(1));
      return Math.max(1, cores / cpusPerTask);
    }
    if (sc.conf().contains("spark.default.parallelism")) {
      return 0; // the default parallelism no longer says how many cores the executors have
    }
    return Math.max(1, sc.defaultParallelism() / cpusPerTask);
  }
}
