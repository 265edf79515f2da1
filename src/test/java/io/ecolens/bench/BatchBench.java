package io.ecolens.bench;

import static org.apache.spark.sql.functions.sum;

import io.ecolens.catalog.CatalogServer;
import io.ecolens.cli.StageRunners;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.generate.CorpusGenerator;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.run.RunContext;
import io.ecolens.simulator.LlmSimulator;
import io.ecolens.spark.SparkSessions;
import io.ecolens.tables.Table;
import io.ecolens.testing.ChildJvms;
import io.ecolens.testing.DemoRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code jobs/bench.sh batch}: the score stage in {@code score.openai.mode: batch} against the
 * simulator's Batch API, next to the online mode over the same sample (each in a database of its
 * own, so that nothing comes from the cache), at the same token prices; then a {@code run} in batch
 * mode in a JVM of its own, killed with SIGKILL once its batches are recorded in {@code
 * llm_batches}, and {@code score} run again with its run id. Prints the cost, requests and wall
 * time of both modes and ends with {@code RESULT batch_cost_ratio <batch cost / online cost>} and
 * {@code RESULT batch_resubmitted_after_kill <requests submitted again by the rerun>}.
 */
public final class BatchBench {
  private static final double INPUT_PRICE = 0.15;
  private static final double OUTPUT_PRICE = 0.60;

  private BatchBench() {}

  public static void main(String[] args) throws Exception {
    int rows = 4000;
    int sample = 2000;
    for (int i = 0; i < args.length - 1; i += 2) {
      switch (args[i]) {
        case "--rows" -> rows = Integer.parseInt(args[i + 1]);
        case "--sample" -> sample = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; expected --rows, --sample");
      }
    }
    Path dir = Files.createTempDirectory("ecolens-batch-bench");
    Policy policy = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
    double ratio;
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(50)
        .withBatches(new LlmSimulator.BatchSettings(3_000, 0, 1.0)), policy)) {
      EcolensConfig online = config(dir, rows, sample, "bench_online", sim, List.of());
      SparkSession spark = SparkSessions.create(online, "ecolens batch bench");
      CorpusGenerator.execute(spark, online.generate(), new RunContext(spark, online, "gen").policy());
      Measured on = measure(spark, online, "bench-online", sim);
      Measured batch = measure(spark, config(dir, rows, sample, "bench_batch", sim, List.of("score.openai.mode=batch")),
          "bench-batch", sim);
      spark.stop();
      CatalogServer.stop(dir.resolve("warehouse"));
      ratio = batch.cost / on.cost;
      System.out.printf(Locale.ROOT, "%-7s %6s %9s %9s %12s %12s %10s %8s%n", "mode", "items", "requests", "batches",
          "in tokens", "out tokens", "cost $", "wall s");
      for (Measured m : List.of(on, batch)) {
        System.out.printf(Locale.ROOT, "%-7s %,6d %,9d %,9d %,12d %,12d %10.5f %8.1f%n", m.mode, m.items, m.requests,
            m.batches, m.inputTokens, m.outputTokens, m.cost, m.seconds);
      }
      System.out.printf(Locale.ROOT, "batch rows' cost / online rows' cost: %.4f (price factor 0.5; the batch also "
          + "fills every request, the online tasks one request each may leave part-full)%n", ratio);
    }
    long resubmitted = killAndRerun(dir, policy);
    System.out.printf(Locale.ROOT, "RESULT batch_cost_ratio %.4f%n", ratio);
    System.out.printf(Locale.ROOT, "RESULT batch_resubmitted_after_kill %d%n", resubmitted);
  }

  private record Measured(String mode, long items, long requests, long batches, long inputTokens, long outputTokens,
      double cost, double seconds) {}

  private static Measured measure(SparkSession spark, EcolensConfig config, String runId, LlmSimulator sim) {
    RunContext ctx = new RunContext(spark, config, runId);
    StageRunners.ingest(ctx);
    StageRunners.sample(ctx);
    sim.resetStats();
    long start = System.nanoTime();
    StageRunners.score(ctx);
    double seconds = (System.nanoTime() - start) / 1e9;
    Row t = ctx.store().readRun(Table.SCORES, runId).agg(sum("input_tokens"), sum("output_tokens"), sum("cost_usd"))
        .first();
    LlmSimulator.Stats s = sim.stats();
    boolean batch = config.score().openai().batchMode();
    return new Measured(batch ? "batch" : "online", ctx.store().readRun(Table.SAMPLES, runId).count(),
        batch ? s.batchLines() : s.requests(), s.batchesCreated(), t.getLong(0), t.getLong(1), t.getDouble(2), seconds);
  }

  private static EcolensConfig config(Path dir, int rows, int sample, String database, LlmSimulator sim,
      List<String> more) {
    List<String> sets = DemoRuns.demoCorpus(dir, rows, database);
    sets.addAll(settings(dir, sample, sim));
    sets.addAll(more);
    return ConfigLoader.load(Path.of("conf/local.yaml"), sets);
  }

  private static List<String> settings(Path dir, int sample, LlmSimulator sim) {
    return new ArrayList<>(List.of(
        "catalog.warehouse=" + dir.resolve("warehouse"),
        "sample.size=" + sample,
        "score.scorer=openai",
        "score.openai.endpoint=" + sim.endpoint(),
        "score.openai.model=sim-model",
        "score.openai.api-key-env=ECOLENS_BATCH_BENCH_NO_KEY",
        "score.openai.items-per-request=10",
        "score.openai.max-concurrency=16",
        "score.openai.input-price-per-million=" + INPUT_PRICE,
        "score.openai.output-price-per-million=" + OUTPUT_PRICE,
        "score.openai.batch-poll-seconds=1"));
  }

  /**
   * A batch-mode {@code run} in a JVM of its own, killed once a created batch is recorded, then
   * {@code score} again with its run id; returns the requests the rerun submitted.
   */
  private static long killAndRerun(Path dir, Policy policy) throws Exception {
    Path work = Files.createDirectories(dir.resolve("kill"));
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(50)
        .withBatches(new LlmSimulator.BatchSettings(30_000, 0, 1.0)), policy)) {
      List<String> sets = DemoRuns.demoCorpus(work, 600, "bench_kill");
      sets.addAll(settings(work, 200, sim));
      sets.addAll(List.of("score.openai.mode=batch", "spark.master=local[2]"));
      Process run = child(work, "run", sets, "run-killed.log");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (sim.stats().batchesCreated() == 0 && run.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      Thread.sleep(2_000); // the creation's record in llm_batches follows the creation at once
      run.destroyForcibly();
      run.waitFor(1, TimeUnit.MINUTES);
      long submitted = sim.stats().batchLines();
      System.out.printf(Locale.ROOT, "kill: run killed (exit %d) after submitting %d requests in %d batches%n",
          run.exitValue(), submitted, sim.stats().batchesCreated());
      Process again = child(work, "score", sets, "score-again.log");
      if (!again.waitFor(10, TimeUnit.MINUTES) || again.exitValue() != 0) {
        again.destroyForcibly();
        throw new IllegalStateException("the rerun failed; see " + work.resolve("score-again.log"));
      }
      long resubmitted = sim.stats().batchLines() - submitted;
      System.out.printf(Locale.ROOT, "kill: rerun finished; %d requests submitted again, %d batches in all%n",
          resubmitted, sim.stats().batchesCreated());
      return resubmitted;
    } finally {
      CatalogServer.stop(work.resolve("warehouse"));
    }
  }

  private static Process child(Path work, String command, List<String> sets, String log) throws Exception {
    List<String> args = new ArrayList<>(ChildJvms.cli(work.resolve("ecolens.log")));
    args.addAll(List.of(command, "--run-id", "killed", "--conf", "conf/local.yaml"));
    for (String set : sets) {
      args.add("--set");
      args.add(set);
    }
    return new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(work.resolve(log).toFile()).start();
  }
}
