package io.ecolens.bench;

import static org.apache.spark.sql.functions.col;

import io.ecolens.cli.StageRunners;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.generate.CorpusGenerator;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.run.RunContext;
import io.ecolens.score.ScoreStage;
import io.ecolens.score.CascadeFigures;
import io.ecolens.spark.CommonPool;
import io.ecolens.simulator.LlmSimulator;
import io.ecolens.tables.Table;
import io.ecolens.testing.DemoRuns;
import io.ecolens.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The cascade (embedded → openai) against LLM only, over the same sample and the same human
 * labels, with the LLM simulator on loopback. A generated corpus is ingested and sampled once; run
 * {@code cascade} scores it with the cascade, run {@code llm-only} (the same content, sample and
 * labels copied) with the {@code openai} scorer alone; both are evaluated and compared with
 * {@link CascadeFigures#compare}. LLM calls, requests and tokens are the simulator's own counts.
 *
 * <p>By default the first step is trained and the bands fitted: heads are trained ({@code train})
 * on a second generated corpus (another seed, so no item is both trained on and scored), and the
 * cascade fits its bands on {@code pilot} labelled items of its own sample within {@code tolerance}
 * of the LLM alone ({@code score.cascade.tolerance}); the pilot's LLM calls count against the
 * cascade.
 *
 * <p>Options (system properties): {@code bench.cascade.rows} (20000), {@code .sample} (5000),
 * {@code .latency-ms} (50), {@code .first} ({@code trained}, or {@code zero-shot}: no training),
 * {@code .tolerance} (0.01; {@code none} uses a band), {@code .pilot} (500), {@code .target-share}
 * (without a tolerance: 0.2; {@code none} uses the band alone), {@code .band} (0.15 without a
 * target share, else 1.0). Prices: 0.15 / 0.60 USD per million input / output tokens. Last lines:
 * {@code RESULT cascade_calls_saved <share>} and {@code RESULT cascade_f1_loss <points>}.
 */
public final class CascadeBench {
  private CascadeBench() {}

  public static void main(String[] args) throws Exception {
    CommonPool.widen();
    int rows = Integer.getInteger("bench.cascade.rows", 20000);
    int sample = Integer.getInteger("bench.cascade.sample", 5000);
    long latency = Long.getLong("bench.cascade.latency-ms", 50);
    boolean trained = !System.getProperty("bench.cascade.first", "trained").equals("zero-shot");
    String tolerance = System.getProperty("bench.cascade.tolerance", "0.01");
    int pilot = Integer.getInteger("bench.cascade.pilot", 500);
    String share = System.getProperty("bench.cascade.target-share", tolerance.equals("none") ? "0.2" : "none");
    String band = System.getProperty("bench.cascade.band", share.equals("none") ? "0.15" : "1.0");
    Path dir = Files.createTempDirectory("ecolens-bench-cascade");
    Policy policy = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
    SparkSession spark = TestSpark.session();
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(latency), policy)) {
      List<String> sets = DemoRuns.demoCorpus(dir, rows, "cascade_bench");
      sets.addAll(List.of(
          "sample.size=" + sample,
          "score.scorer=cascade",
          "score.embedded.mode=" + (trained ? "trained" : "zero-shot"),
          "score.cascade.first=embedded",
          "score.cascade.second=openai",
          "score.cascade.band=" + band,
          "score.openai.endpoint=" + sim.endpoint(),
          "score.openai.model=sim-model",
          "score.openai.max-concurrency=16",
          "score.openai.items-per-request=10",
          "score.openai.input-price-per-million=0.15",
          "score.openai.output-price-per-million=0.60"));
      if (!share.equals("none")) {
        sets.add("score.cascade.target-share=" + share);
      }
      if (!tolerance.equals("none")) {
        sets.addAll(List.of("score.cascade.tolerance=" + tolerance, "score.cascade.pilot-items=" + pilot));
      }
      EcolensConfig cascadeConfig = ConfigLoader.load(Path.of("conf/local.yaml"), sets);
      sets.add("score.scorer=openai");
      EcolensConfig llmConfig = ConfigLoader.load(Path.of("conf/local.yaml"), sets);
      if (trained) {
        trainHeads(spark, dir, sets, policy);
      }

      CorpusGenerator.execute(spark, cascadeConfig.generate(), policy);
      RunContext cascade = new RunContext(spark, cascadeConfig, "cascade");
      StageRunners.ingest(cascade);
      StageRunners.sample(cascade);
      RunContext llmOnly = new RunContext(spark, llmConfig, "llm-only");
      for (Table t : List.of(Table.CONTENT, Table.SAMPLES, Table.POLICY_LABELS)) {
        llmOnly.store().copyRun(t, "cascade", "llm-only");
      }

      long t0 = System.nanoTime();
      ScoreStage.Result c = StageRunners.score(cascade);
      double cascadeSeconds = (System.nanoTime() - t0) / 1e9;
      LlmSimulator.Stats afterCascade = sim.stats();
      sim.resetStats();
      t0 = System.nanoTime();
      ScoreStage.Result o = StageRunners.score(llmOnly);
      double llmSeconds = (System.nanoTime() - t0) / 1e9;
      LlmSimulator.Stats afterLlm = sim.stats();
      StageRunners.evaluate(cascade);
      StageRunners.evaluate(llmOnly);
      Map<String, double[]> f1 = CascadeFigures.compare(cascade, "llm-only");
      Path report = StageRunners.report(cascade).htmlPath();

      Map<String, Double> figures = metrics(cascade, CascadeFigures.REPORT);
      long items = c.items();
      PrintLines out = new PrintLines();
      out.line("cascade bench: %,d sampled items of %,d generated, embedded %s -> simulator (latency %d ms), "
          + "tolerance %s (pilot %d), target share %s, band %s, %d categories", items, rows,
          trained ? "trained on another corpus" : "zero-shot", latency, tolerance, pilot, share, band,
          policy.categories().size());
      out.line("%-34s %14s %14s", "", "cascade", "LLM only");
      out.line("%-34s %,14d %,14d", "items sent to the LLM", afterCascade.distinctItems(), afterLlm.distinctItems());
      out.line("%-34s %,14d %,14d", "LLM requests (simulator)", afterCascade.requests(), afterLlm.requests());
      out.line("%-34s %,14d %,14d", "LLM input tokens", afterCascade.promptTokens(), afterLlm.promptTokens());
      out.line("%-34s %,14d %,14d", "LLM output tokens", afterCascade.completionTokens(), afterLlm.completionTokens());
      out.line("%-34s %14.6f %14.6f", "LLM cost USD (scores table)", c.costUsd(), o.costUsd());
      out.line("%-34s %14.1f %14.1f", "score stage wall time s", cascadeSeconds, llmSeconds);
      for (Map.Entry<String, double[]> e : f1.entrySet()) {
        out.line("%-34s %14.4f %14.4f", "F1 " + e.getKey(), e.getValue()[0], e.getValue()[1]);
      }
      double saved = items == 0 ? 0 : 1.0 - (double) afterCascade.distinctItems() / afterLlm.distinctItems();
      double costSaved = o.costUsd() - c.costUsd();
      out.line("escalated share %.4f; LLM calls saved %,d of %,d items (%.1f%%), requests saved %,d of %,d",
          figures.getOrDefault("escalated_share", Double.NaN), afterLlm.distinctItems() - afterCascade.distinctItems(),
          afterLlm.distinctItems(), 100 * saved, afterLlm.requests() - afterCascade.requests(), afterLlm.requests());
      out.line("cost saved %.6f USD of %.6f (%.1f%%) measured; extrapolated by the cascade run alone: %.6f USD",
          costSaved, o.costUsd(), o.costUsd() == 0 ? 0 : 100 * costSaved / o.costUsd(),
          figures.getOrDefault("cost_saved_usd", Double.NaN));
      CascadeFigures.fitOf(cascade.store().readRun(Table.METRICS, "cascade").collectAsList().stream()
          .map(io.ecolens.tables.MetricRow::of).toList()).ifPresent(fit -> {
            Map<String, Double> chosen = fit.chosen();
            out.line("bands fitted on %.0f pilot items: escalated share %.4f, micro F1 %.4f (LLM alone %.4f, first "
                + "step alone %.4f), all in sample", chosen.get("pilot_items"), chosen.get("escalated_share"),
                chosen.get("f1_micro"), chosen.get("second_only_f1_micro"), chosen.get("first_only_f1_micro"));
            StringBuilder curve = new StringBuilder();
            fit.curve().forEach(p -> curve.append(String.format(Locale.ROOT, " %.3f:%.4f", p.escalatedShare(),
                p.microF1())));
            out.line("curve on the pilot, one band for every category (share sent: micro F1):%s", curve);
          });
      out.line("report with the Cascade block: %s", report);
      double[] micro = f1.get("micro");
      if (micro != null) {
        out.line("RESULT cascade_f1_micro %.4f", micro[0]);
        out.line("RESULT llm_only_f1_micro %.4f", micro[1]);
      }
      out.line("RESULT cascade_cost_saved_share %.4f", o.costUsd() == 0 ? 0 : costSaved / o.costUsd());
      out.line("RESULT cascade_calls_saved %.4f", saved);
      out.line("RESULT cascade_f1_loss %.2f", micro == null ? Double.NaN : 100 * (micro[1] - micro[0]));
    }
    System.exit(0);
  }

  /**
   * Trains the embedded heads (saved per policy version and model, where the cascade's first step
   * finds them) on a corpus generated with another seed: every item of it labelled and sampled.
   */
  private static void trainHeads(SparkSession spark, Path dir, List<String> sets, Policy policy) {
    List<String> train = new java.util.ArrayList<>(sets);
    int rows = Integer.getInteger("bench.cascade.train-rows", 4000);
    train.addAll(List.of("generate.rows=" + rows, "generate.seed=4242", "generate.output=" + dir.resolve("train"),
        "input.corpus.path=" + dir.resolve("train/corpus"), "input.labels.path=" + dir.resolve("train/labels"),
        "sample.size=" + rows, "score.embedded.train.max-items=" + rows));
    EcolensConfig config = ConfigLoader.load(Path.of("conf/local.yaml"), train);
    CorpusGenerator.execute(spark, config.generate(), policy);
    RunContext ctx = new RunContext(spark, config, "train");
    StageRunners.ingest(ctx);
    StageRunners.sample(ctx);
    StageRunners.train(ctx);
  }

  /** The run's {@code metrics} of one report, metric to value. */
  private static Map<String, Double> metrics(RunContext ctx, String report) {
    Map<String, Double> figures = new java.util.HashMap<>();
    for (Row r : ctx.store().readRun(Table.METRICS, ctx.runId()).filter(col("report").equalTo(report))
        .collectAsList()) {
      figures.putIfAbsent(r.getAs("metric"), r.getAs("value"));
    }
    return figures;
  }

  /** Formatted lines on stdout, Locale.ROOT. */
  private static final class PrintLines {
    void line(String format, Object... args) {
      System.out.println(String.format(Locale.ROOT, format, args));
    }
  }
}
