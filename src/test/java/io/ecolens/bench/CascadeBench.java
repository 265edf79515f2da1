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
 * <p>Options (system properties): {@code bench.cascade.rows} (5000), {@code .sample} (1000),
 * {@code .latency-ms} (50), {@code .target-share} (0.2; {@code none} uses the band alone),
 * {@code .band} (0.15 without a target share, else 1.0). Prices: 0.15 / 0.60 USD per million
 * input / output tokens. Last line: {@code RESULT cascade_llm_calls_saved_share <value>}.
 */
public final class CascadeBench {
  private CascadeBench() {}

  public static void main(String[] args) throws Exception {
    CommonPool.widen();
    int rows = Integer.getInteger("bench.cascade.rows", 5000);
    int sample = Integer.getInteger("bench.cascade.sample", 1000);
    long latency = Long.getLong("bench.cascade.latency-ms", 50);
    String share = System.getProperty("bench.cascade.target-share", "0.2");
    String band = System.getProperty("bench.cascade.band", share.equals("none") ? "0.15" : "1.0");
    Path dir = Files.createTempDirectory("ecolens-bench-cascade");
    Policy policy = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
    SparkSession spark = TestSpark.session();
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(latency), policy)) {
      List<String> sets = DemoRuns.demoCorpus(dir, rows, "cascade_bench");
      sets.addAll(List.of(
          "sample.size=" + sample,
          "score.scorer=cascade",
          "score.embedded.mode=zero-shot",
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
      EcolensConfig cascadeConfig = ConfigLoader.load(Path.of("conf/local.yaml"), sets);
      sets.add("score.scorer=openai");
      EcolensConfig llmConfig = ConfigLoader.load(Path.of("conf/local.yaml"), sets);

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

      Map<String, Double> figures = new java.util.HashMap<>();
      for (Row r : cascade.store().readRun(Table.METRICS, "cascade")
          .filter(col("report").equalTo(CascadeFigures.REPORT)).collectAsList()) {
        figures.put(r.getAs("metric"), r.getAs("value"));
      }
      long items = c.items();
      PrintLines out = new PrintLines();
      out.line("cascade bench: %,d sampled items of %,d generated, embedded zero-shot -> simulator (latency %d ms), "
          + "target share %s, band %s, %d categories", items, rows, latency, share, band, policy.categories().size());
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
      out.line("report with the Cascade block: %s", report);
      double[] micro = f1.get("micro");
      if (micro != null) {
        out.line("RESULT cascade_f1_micro %.4f", micro[0]);
        out.line("RESULT llm_only_f1_micro %.4f", micro[1]);
      }
      out.line("RESULT cascade_cost_saved_share %.4f", o.costUsd() == 0 ? 0 : costSaved / o.costUsd());
      out.line("RESULT cascade_llm_calls_saved_share %.4f", saved);
    }
    System.exit(0);
  }

  /** Formatted lines on stdout, Locale.ROOT. */
  private static final class PrintLines {
    void line(String format, Object... args) {
      System.out.println(String.format(Locale.ROOT, format, args));
    }
  }
}
