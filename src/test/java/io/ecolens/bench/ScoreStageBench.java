package io.ecolens.bench;

import io.ecolens.cli.StageRunners;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.generate.CorpusGenerator;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.run.RunContext;
import io.ecolens.score.ScoreStage;
import io.ecolens.simulator.LlmSimulator;
import io.ecolens.spark.CommonPool;
import io.ecolens.spark.SparkSessions;
import io.ecolens.tables.Table;
import io.ecolens.testing.DemoRuns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * {@code jobs/bench.sh score-stage}: the whole {@code score} stage (Spark, Delta, the ledger, the
 * runs row) with the openai scorer against the simulator on loopback, as a user runs it, for every
 * combination of latency, concurrency cap C and {@code commit-every}. The endpoint's limit is C / L
 * requests per second, so the requests sent need {@code requests * L / C} seconds at the least;
 * "sending" is that over the time from the first request the simulator saw to its last answer,
 * "stage" that over the stage's wall time (start-up, every commit and the final totals included);
 * "in flight" is the requests the simulator held on average while it held any (at most C).
 *
 * <p>The items are ingested and sampled once; each case copies them under a run id of its own and
 * scores them with a model name of its own, so nothing comes from the cache. A warm-up case (not
 * printed in the matrix) runs first, so that the figures show a JVM whose Spark and Delta code is
 * loaded, as in a job that scores for hours. The last line is
 * {@code RESULT score_stage_min_ratio <lowest stage ratio>}.
 */
public final class ScoreStageBench {
  private ScoreStageBench() {}

  /** One case of the matrix. */
  private record Case(long latencyMs, int cap, int commitEvery) {}

  /** What one case measured. */
  private record Figures(long requests, double stageSeconds, double sendingSeconds, double limitSeconds,
      double startupSeconds, double meanInFlight) {
    /** From the last answer to the stage's end: the last commits, the totals, the run's records. */
    double windDownSeconds() {
      return stageSeconds - startupSeconds - sendingSeconds;
    }

    double stageRatio() {
      return limitSeconds / stageSeconds;
    }

    double sendingRatio() {
      return limitSeconds / sendingSeconds;
    }
  }

  public static void main(String[] args) throws Exception {
    CommonPool.widen();
    int items = 10_000;
    long[] latencies = {200, 2000};
    int[] caps = {16, 64};
    int[] commitEvery = {2000, 500};
    int itemsPerRequest = 10;
    int warmupItems = 3000;
    for (int i = 0; i < args.length - 1; i += 2) {
      switch (args[i]) {
        case "--items" -> items = Integer.parseInt(args[i + 1]);
        case "--latencies-ms" -> latencies = Arrays.stream(args[i + 1].split(",")).mapToLong(Long::parseLong).toArray();
        case "--caps" -> caps = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--commit-every" -> commitEvery = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt)
            .toArray();
        case "--items-per-request" -> itemsPerRequest = Integer.parseInt(args[i + 1]);
        case "--warmup-items" -> warmupItems = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("ecolens-bench-score-stage");
    Policy policy = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
    List<String> base = DemoRuns.demoCorpus(dir, items + items / 4 + 200, "score_bench");
    base.addAll(List.of(
        "spark.master=" + System.getProperty("bench.master", "local[2]"),
        "catalog.warehouse=" + dir.resolve("warehouse"),
        "sample.strata=[format]",
        "score.scorer=openai",
        "score.openai.api-key-env=ECOLENS_BENCH_NO_KEY",
        "score.openai.items-per-request=" + itemsPerRequest));
    EcolensConfig setup = ConfigLoader.load(Path.of("conf/local.yaml"), with(base, "sample.size=" + items));
    SparkSession spark = SparkSessions.create(setup, "ecolens bench score-stage");
    spark.sparkContext().setLogLevel("WARN");
    if (Boolean.getBoolean("bench.score-stage.jobs")) {
      spark.sparkContext().addSparkListener(new JobLog());
    }
    CorpusGenerator.execute(spark, setup.generate(), policy);
    RunContext sampled = new RunContext(spark, setup, "bench-items");
    StageRunners.ingest(sampled);
    StageRunners.sample(sampled);
    long inRun = sampled.store().readRun(Table.SAMPLES, "bench-items").count();
    System.out.printf("score-stage: %,d items, %d items/request, %s, %d cores, latencies %s ms, caps %s, "
        + "commit-every %s%n", inRun, itemsPerRequest, spark.sparkContext().master(),
        Runtime.getRuntime().availableProcessors(), Arrays.toString(latencies), Arrays.toString(caps),
        Arrays.toString(commitEvery));

    Figures warm = run(spark, base, policy, new Case(20, 64, 1000), "warmup", Math.min(warmupItems, (int) inRun));
    System.out.printf("warm-up: %,d requests at cap 64, latency 20 ms, commit-every 1000 in %.1f s%n",
        warm.requests(), warm.stageSeconds());
    System.out.printf("%-8s %-5s %-7s %9s %9s %9s %9s %9s %9s %9s %9s %9s  %s%n", "latency", "cap", "commit",
        "requests", "limit s", "start-up s", "sending s", "wind-down s", "stage s", "in flight", "sending", "stage",
        "load average");
    double min = Double.MAX_VALUE;
    int n = 0;
    for (long latency : latencies) {
      for (int cap : caps) {
        for (int every : commitEvery) {
          Case c = new Case(latency, cap, every);
          Figures f = run(spark, base, policy, c, "case" + n++, (int) inRun);
          System.out.printf("%-8s %-5d %-7d %9d %9.1f %10.1f %9.1f %11.1f %9.1f %9.1f %9.3f %9.3f  %s%n",
              latency + "ms", cap, every, f.requests(), f.limitSeconds(), f.startupSeconds(), f.sendingSeconds(),
              f.windDownSeconds(), f.stageSeconds(), f.meanInFlight(), f.sendingRatio(), f.stageRatio(), loadAverage());
          min = Math.min(min, f.stageRatio());
        }
      }
    }
    spark.stop();
    System.out.printf(Locale.ROOT, "RESULT score_stage_min_ratio %.3f%n", min);
  }

  /** Scores the sampled items (the first {@code limit} of them) under run {@code runId} for case {@code c}. */
  private static Figures run(SparkSession spark, List<String> base, Policy policy, Case c, String runId, int limit)
      throws InterruptedException {
    String model = "sim-" + runId;
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(c.latencyMs())
        .withCap(c.cap(), false).withModel(model), policy)) {
      EcolensConfig config = ConfigLoader.load(Path.of("conf/local.yaml"), with(base,
          "sample.size=" + limit,
          "score.openai.endpoint=" + sim.endpoint(),
          "score.openai.model=" + model,
          "score.openai.max-concurrency=" + c.cap(),
          "score.openai.commit-every=" + c.commitEvery()));
      RunContext ctx = new RunContext(spark, config, runId);
      ctx.store().copyRun(Table.CONTENT, "bench-items", runId);
      ctx.store().replaceRun(Table.SAMPLES, runId, ctx.store().readRun(Table.SAMPLES, "bench-items")
          .orderBy("content_id").limit(limit)
          .withColumn("run_id", org.apache.spark.sql.functions.lit(runId)));
      SendingWindow window = SendingWindow.watch(sim);
      JobLog.epochMs = System.currentTimeMillis();
      long start = System.nanoTime();
      ScoreStage.Result result = StageRunners.score(ctx);
      double stageSeconds = (System.nanoTime() - start) / 1e9;
      window.stop();
      if (Boolean.getBoolean("bench.score-stage.jobs")) {
        System.out.printf("  requests from %d ms to %d ms, stage ended at %d ms%n", (window.first - start) / 1_000_000,
            (window.last - start) / 1_000_000, (long) (stageSeconds * 1000));
      }
      LlmSimulator.Stats st = sim.stats();
      if (result.errorRows() > 0 || result.scoredItems() != limit) {
        throw new IllegalStateException("case " + c + ": " + result.summary() + ", scored " + result.scoredItems());
      }
      double limitSeconds = st.requests() * c.latencyMs() / 1000.0 / c.cap();
      return new Figures(st.requests(), stageSeconds, window.seconds(), limitSeconds,
          (window.firstRequest() - start) / 1e9, window.meanInFlight());
    }
  }

  private static List<String> with(List<String> base, String... more) {
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(more));
    return all;
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException unavailable) {
      return "n/a";
    }
  }

  /**
   * Prints each Spark job as it ends: its id, wall time, start and end in ms since the stage began,
   * description and call site (-Dbench.score-stage.jobs=true; with -Dbench.score-stage.stacks=true
   * the whole call stack).
   */
  private static final class JobLog extends org.apache.spark.scheduler.SparkListener {
    /** Job times are printed as milliseconds since this moment: the case's stage start. */
    static volatile long epochMs;
    private final java.util.Map<Integer, Long> started = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Integer, String> names = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart e) {
      started.put(e.jobId(), e.time());
      java.util.Properties p = e.properties();
      names.put(e.jobId(), (p == null ? "" : p.getProperty("spark.job.description", "") + " | "
          + p.getProperty("callSite.short", "") + (Boolean.getBoolean("bench.score-stage.stacks")
          ? "\n" + e.stageInfos().last().details() : "")) + " | stages " + e.stageInfos().size());
    }

    @Override
    public void onJobEnd(org.apache.spark.scheduler.SparkListenerJobEnd e) {
      Long t = started.remove(e.jobId());
      System.out.printf("  job %d: %d ms (from %d to %d), %s%n", e.jobId(), t == null ? -1 : e.time() - t,
          t == null ? -1 : t - epochMs, e.time() - epochMs, names.remove(e.jobId()));
    }
  }

  /** From the first request the simulator saw to its last answer, polled every 5 ms. */
  private static final class SendingWindow {
    private final Thread poller;
    private volatile boolean running = true;
    private volatile long first;
    private volatile long last;
    /** Polls since the first request and the requests in flight summed over them. */
    private volatile long polls;
    private volatile long inFlightSum;

    private SendingWindow(LlmSimulator sim) {
      poller = new Thread(() -> {
        long seen = 0;
        while (running) {
          LlmSimulator.Stats st = sim.stats();
          long answered = st.requests() - st.inFlight();
          long now = System.nanoTime();
          if (first == 0 && st.requests() > 0) {
            first = now;
          }
          if (answered != seen) {
            seen = answered;
            last = now;
          }
          if (first != 0 && st.inFlight() > 0) {
            polls++;
            inFlightSum += st.inFlight();
          }
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "score-bench-window");
      poller.setDaemon(true);
    }

    static SendingWindow watch(LlmSimulator sim) {
      SendingWindow w = new SendingWindow(sim);
      w.poller.start();
      return w;
    }

    void stop() throws InterruptedException {
      Thread.sleep(20);
      running = false;
      poller.join();
    }

    double seconds() {
      return (last - first) / 1e9;
    }

    /** Requests in flight on average while any was. */
    double meanInFlight() {
      return polls == 0 ? 0 : (double) inFlightSum / polls;
    }

    /** When the simulator saw the first request ({@link System#nanoTime}). */
    long firstRequest() {
      return first;
    }
  }
}
