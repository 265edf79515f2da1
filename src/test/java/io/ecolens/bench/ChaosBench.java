package io.ecolens.bench;

import io.ecolens.catalog.CatalogServer;
import io.ecolens.tables.Table;
import io.ecolens.testing.ChildRuns;
import io.ecolens.testing.RunRows;
import io.ecolens.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Crash anywhere, rerun exact: one undisturbed {@code run} of a small generated corpus (the
 * reference, whose stage ends are noted), then {@code --kills} runs with run ids of their own on the
 * same warehouse, each aimed at the next stage in turn (generate, ingest, ... report, again): once
 * the stage before has printed its line, it is killed with SIGKILL a random share of the target
 * stage's length in the reference later, and then run again with the same run id. After
 * each rerun every table's rows of that run are compared with the reference's ({@link
 * RunRows#comparable}): a row the reference has and the rerun lacks is lost, one the rerun has
 * besides is extra. A run that finishes before its moment is not counted, and another is drawn
 * until {@code --kills} runs were killed (at most three times as many runs). Usage: {@code
 * ChaosBench [--kills 20] [--rows 400] [--seed N]}. Last lines:
 * {@code RESULT chaos_kill_points} (runs killed before they finished), {@code RESULT
 * chaos_rows_lost} (lost and extra rows over all reruns) and {@code RESULT chaos_reruns_failed}.
 */
public final class ChaosBench {
  private static final String DATABASE = "ecolens";
  private static final String REFERENCE = "chaos-ref";

  private ChaosBench() {}

  public static void main(String[] args) throws Exception {
    int kills = intArg(args, "--kills", 20);
    int rows = intArg(args, "--rows", 400);
    long seed = intArg(args, "--seed", (int) (System.nanoTime() & 0x7fffffff));
    Random random = new Random(seed);
    Path root = Files.createTempDirectory("ecolens-bench-chaos");
    Path warehouse = root.resolve("warehouse");
    SparkSession spark = TestSpark.session(); // reads the runs' tables by path
    try {
      long started = System.nanoTime();
      Process reference = ChildRuns.start(root, warehouse, REFERENCE, "local[2]", rows);
      // when each stage ended in the undisturbed run, seconds from its start
      double[] ends = new double[ChildRuns.STAGES.size()];
      for (int i = 0; i < ends.length; i++) {
        waitUntilDone(reference, ChildRuns.log(root, REFERENCE), i);
        ends[i] = (System.nanoTime() - started) / 1e9;
      }
      int code = ChildRuns.finish(reference, REFERENCE, 15);
      if (code != 0) {
        throw new IllegalStateException("the reference run failed (exit " + code + "); see " + ChildRuns.log(root, REFERENCE));
      }
      System.out.printf("reference run: %,d rows, %.1f s (stages ending at %s s); seed %d%n", rows,
          (System.nanoTime() - started) / 1e9, java.util.Arrays.toString(ends), seed);

      Map<String, Integer> killedIn = new TreeMap<>();
      long lost = 0;
      int killed = 0;
      int failed = 0;
      int attempts = 0;
      // each run is aimed at the stages in turn: once the stage before has printed its line, it is killed a
      // random share of the target stage's length in the undisturbed run later; a run that is past its
      // target by then is counted where it was, and one that finishes first does not count (another is drawn)
      for (int k = 1; killed < kills && k <= 3 * kills; k++) {
        attempts = k;
        String runId = "chaos-" + k;
        int target = (k - 1) % ChildRuns.STAGES.size();
        double length = ends[target] - (target == 0 ? 0 : ends[target - 1]);
        long delayMillis = (long) (random.nextDouble() * length * 1000);
        Process p = ChildRuns.start(root, warehouse, runId, "local[2]", rows);
        if (target > 0) {
          waitUntilDone(p, ChildRuns.log(root, runId), target - 1);
        }
        boolean finishedFirst = p.waitFor(delayMillis, TimeUnit.MILLISECONDS);
        if (!finishedFirst) {
          p.destroyForcibly();
          p.waitFor();
        }
        String stage = ChildRuns.stageInProgress(ChildRuns.log(root, runId));
        if (!finishedFirst && !stage.equals("finished")) {
          killed++;
          killedIn.merge(stage, 1, Integer::sum);
        }
        int rerun = ChildRuns.finish(ChildRuns.start(root, warehouse, runId, "local[2]", rows), runId, 15);
        long differing = 0;
        if (rerun != 0) {
          failed++;
        } else {
          for (Table table : Table.values()) {
            if (table.partitionedByRun()) {
              Dataset<Row> all = RunRows.table(spark, warehouse, DATABASE, table);
              differing += RunRows.differingRows(table, all, REFERENCE, runId);
            }
          }
          lost += differing;
        }
        System.out.printf("run %2d: aimed at %-9s killed %5.1f s into it, in %-9s rerun exit %d, "
            + "rows differing from the reference: %d%n", k, ChildRuns.STAGES.get(target), delayMillis / 1000.0, stage,
            rerun, differing);
      }
      System.out.printf("kill points by stage: %s (%d runs started, %d finished before their moment)%n", killedIn,
          attempts, attempts - killed);
      System.out.printf("RESULT chaos_kill_points %d%n", killed);
      System.out.printf("RESULT chaos_rows_lost %d%n", lost);
      System.out.printf("RESULT chaos_reruns_failed %d%n", failed);
    } finally {
      CatalogServer.stop(warehouse);
      if (Boolean.getBoolean("bench.keep")) {
        System.out.println("kept " + root);
      } else {
        EvaluateBench.deleteFolder(root);
      }
    }
  }

  /** Polls {@code log} until the run has printed the line of stage {@code index} (or has ended). */
  private static void waitUntilDone(Process p, Path log, int index) throws Exception {
    while (p.isAlive()) {
      int at = ChildRuns.STAGES.indexOf(ChildRuns.stageInProgress(log));
      if (at < 0 || at > index) {
        return; // past it ("finishing", "finished") or beyond
      }
      Thread.sleep(50);
    }
  }

  private static int intArg(String[] args, String name, int fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return fallback;
  }
}
