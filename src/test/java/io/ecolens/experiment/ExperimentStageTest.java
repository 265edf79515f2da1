package io.ecolens.experiment;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.EcolensException;
import io.ecolens.cli.StageRunners;
import io.ecolens.config.EcolensConfig;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.run.RunContext;
import io.ecolens.simulator.LlmSimulator;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The experiment command's stage on a generated corpus with real simulators on loopback: a first
 * experiment with three variants, then the same experiment with a fourth variant added, which must
 * send requests for the new variant only. Checks the figures against the evaluate stage, the
 * ledger-based cost of reused verdicts, the results table and the page.
 */
@Tag("slow")
class ExperimentStageTest extends SparkTest {
  private static final int SAMPLE = 80;
  private static final int PER_REQUEST = 4;
  @TempDir static Path dir;
  private static LlmSimulator simA;
  private static LlmSimulator simB;
  private static TableStore store;
  private static ExperimentStage.Result first;
  private static ExperimentStage.Result second;
  private static LlmSimulator.Stats aAfterFirst;
  private static LlmSimulator.Stats aAfterSecond;
  private static LlmSimulator.Stats bAfterSecond;

  private static String variant(String name, String endpoint, String model) {
    return "  - name: " + name + "\n"
        + "    score:\n"
        + "      scorer: openai\n"
        + "      openai: {endpoint: \"" + endpoint + "\", model: " + model + ", items-per-request: " + PER_REQUEST
        + ", input-price-per-million: 2.5, output-price-per-million: 10, max-concurrency: 4, partitions: 2}\n";
  }

  private static Path experiment(String file, String sampleRun, String extraVariants) throws IOException {
    String yaml = "name: test-exp\n"
        + "base: conf/local.yaml\n"
        + "set:\n"
        + "  generate.rows: 600\n"
        + "  generate.output: \"" + dir.resolve("demo") + "\"\n"
        + "  input.corpus.path: \"" + dir.resolve("demo/corpus") + "\"\n"
        + "  input.labels.path: \"" + dir.resolve("demo/labels") + "\"\n"
        + "  catalog.database: exp\n"
        + "  sample.size: " + SAMPLE + "\n"
        + "  sample.strata: [format]\n"
        + "  score.scorer: rules\n" // the shared config's judge (conf/local.yaml's is the embedded one)
        + "  report.output: \"" + dir.resolve("reports") + "\"\n"
        + (sampleRun == null ? "" : "sample-run: " + sampleRun + "\n")
        + "bootstrap: {iterations: 300, seed: 5}\n"
        + "examples: 2\n"
        + "variants:\n"
        + "  - name: rules\n"
        + "    score: {scorer: rules}\n"
        + variant("llm-a", simA.endpoint(), "sim-a")
        + "  - name: llm-broad\n"
        + "    score:\n"
        + "      scorer: openai\n"
        + "      policy: conf/experiments/policies/default-broad.yaml\n"
        + "      openai: {model: sim-broad, items-per-request: 8, input-price-per-million: 0.15, "
        + "output-price-per-million: 0.6}\n"
        + "    simulator: {latency-ms: 5}\n"
        + extraVariants;
    Path p = dir.resolve(file);
    Files.writeString(p, yaml);
    return p;
  }

  @BeforeAll
  static void runTwoExperiments() throws IOException {
    simA = LlmSimulator.start(new LlmSimulator.Settings(0, "sim-a", 5, 0, false, 0, 0, 0, 0, 0, 30_000, 1, null, 42),
        PolicyLoader.load(Path.of("conf/policies/default.yaml")));
    simB = LlmSimulator.start(new LlmSimulator.Settings(0, "sim-b", 5, 0, false, 0, 0, 0, 0, 0, 30_000, 1, null, 42),
        PolicyLoader.load(Path.of("conf/policies/default.yaml")));
    Experiment three = Experiment.load(experiment("three.yaml", null, ""), List.of());
    first = new ExperimentStage(spark, three, "x1").execute();
    aAfterFirst = simA.stats();
    Experiment four = Experiment.load(experiment("four.yaml", "x1", variant("llm-b", simB.endpoint(), "sim-b")),
        List.of());
    second = new ExperimentStage(spark, four, "x2").execute();
    aAfterSecond = simA.stats();
    bAfterSecond = simB.stats();
    store = new TableStore(spark, "exp");
  }

  @AfterAll
  static void stopSimulators() {
    simA.close();
    simB.close();
  }

  private static double figure(String runId, String variant, String comparedTo, String category, String metric) {
    List<Row> rows = store.readRun(Table.EXPERIMENT_RESULTS, runId)
        .filter(col("variant").equalTo(variant).and(col("compared_to").equalTo(comparedTo))
            .and(col("category").equalTo(category)).and(col("metric").equalTo(metric)))
        .select("value").collectAsList();
    assertThat(rows).as(variant + " " + category + " " + metric).hasSize(1);
    return rows.get(0).getDouble(0);
  }

  @Test
  void addingAVariantSendsRequestsForTheNewVariantOnly() {
    // 80 items, 4 per request, over 2 tasks: 20 requests, one more per task whose share is not a multiple of 4
    long fewest = (SAMPLE + PER_REQUEST - 1) / PER_REQUEST;
    assertThat(first.items()).isEqualTo(SAMPLE);
    assertThat(aAfterFirst.requests()).isBetween(fewest, fewest + 2);
    assertThat(aAfterFirst.distinctItems()).isEqualTo(SAMPLE);
    assertThat(aAfterSecond.requests()).as("llm-a was not sent again").isEqualTo(aAfterFirst.requests());
    assertThat(bAfterSecond.requests()).as("the new variant paid for its own items").isBetween(fewest, fewest + 2);
    assertThat(bAfterSecond.distinctItems()).isEqualTo(SAMPLE);
    for (String v : List.of("rules", "llm-a", "llm-broad")) {
      long notCached = store.readRun(Table.SCORES, ExperimentStage.variantRunId("x2", v))
          .filter(col("status").notEqual("cached")).count();
      assertThat(notCached).as(v + " rows in the second experiment that were not reused").isZero();
    }
    assertThat(second.scoring().stream().filter(s -> s.variant().equals("llm-b")).findFirst().orElseThrow()
        .score().cachedItems()).isZero();
  }

  @Test
  void reusedVerdictsReportWhatScoringCostButNoNewSpend() {
    double costFirst = figure("x1", "llm-a", "", "all", "cost_per_1k_items");
    assertThat(costFirst).isPositive();
    assertThat(figure("x2", "llm-a", "", "all", "cost_per_1k_items")).isCloseTo(costFirst, within(1e-12));
    assertThat(figure("x1", "llm-a", "", "all", "paid_usd")).isCloseTo(costFirst * SAMPLE / 1000, within(1e-9));
    assertThat(figure("x2", "llm-a", "", "all", "paid_usd")).isZero();
    assertThat(figure("x2", "llm-a", "", "all", "tokens_per_item")).isPositive();
    assertThat(figure("x2", "rules", "", "all", "cost_per_1k_items")).isZero();
    assertThat(figure("x2", "llm-a", "", "all", "error_rate")).isZero();
  }

  @Test
  void perCategoryFiguresMatchTheEvaluateStage() {
    // score and evaluate the sample run itself with the shared config's scorer (rules)
    EcolensConfig base = Experiment.load(dir.resolve("three.yaml"), List.of()).base();
    RunContext ctx = new RunContext(spark, base, "x1");
    StageRunners.score(ctx);
    StageRunners.evaluate(ctx);
    List<Row> agreement = store.readRun(Table.METRICS, "x1")
        .filter(col("report").equalTo("agreement").and(col("slice_key").equalTo("all"))
            .and(col("metric").isin("f1", "precision", "recall", "kappa")).and(col("category").notEqual("micro"))
            .and(col("category").notEqual("macro")))
        .select("category", "metric", "value").collectAsList();
    assertThat(agreement).hasSizeGreaterThan(20);
    for (Row r : agreement) {
      assertThat(figure("x1", "rules", "", r.getString(0), r.getString(1)))
          .as(r.getString(0) + " " + r.getString(1)).isCloseTo(r.getDouble(2), within(1e-9));
    }
  }

  @Test
  void everyPairIsComparedAndEveryRowNamesWhatProducedIt() {
    List<Row> verdicts = store.readRun(Table.EXPERIMENT_RESULTS, "x2").filter(col("metric").equalTo("beats"))
        .collectAsList();
    assertThat(verdicts).hasSize(6); // 4 variants: 4 * 3 / 2 pairs
    assertThat(store.readRun(Table.EXPERIMENT_RESULTS, "x2").filter(col("metric").equalTo("mcnemar_p")).count())
        .isEqualTo(6 * 10);
    // llm-a and llm-b answer with the same rules: identical verdicts, no discordant item, nothing significant
    assertThat(figure("x2", "llm-b", "llm-a", "all", "f1_diff")).isZero();
    assertThat(figure("x2", "llm-b", "llm-a", "all", "beats")).isZero();
    assertThat(figure("x2", "llm-b", "llm-a", "all", "f1_diff_p")).isEqualTo(1.0);
    Row a = store.readRun(Table.EXPERIMENT_RESULTS, "x2").filter(col("variant").equalTo("llm-a")).first();
    assertThat((String) a.getAs("model")).isEqualTo("sim-a");
    assertThat((String) a.getAs("prompt_hash")).hasSize(64);
    assertThat((String) a.getAs("policy_version")).isEqualTo("2026.11-1");
    assertThat((String) a.getAs("settings_json")).contains("\"items-per-request\":4").contains("sim-a");
    assertThat((String) a.getAs("variant_run_id")).isEqualTo("x2.llm-a");
    Row broad = store.readRun(Table.EXPERIMENT_RESULTS, "x2").filter(col("variant").equalTo("llm-broad")).first();
    assertThat((String) broad.getAs("policy_version")).isEqualTo("2026.11-1-broad");
    assertThat((String) broad.getAs("settings_json")).contains("in-process simulator");
    // rerunning with the same run id replaces the run's rows
    long rows = store.readRun(Table.EXPERIMENT_RESULTS, "x2").count();
    assertThat(rows).isEqualTo(second.leaderboard().rows().size());
  }

  @Test
  void thePageShowsTheLeaderboardChartComparisonsAndExamples() throws IOException {
    assertThat(second.page()).isEqualTo(dir.resolve("reports/x2/experiment.html"));
    String html = Files.readString(second.page());
    assertThat(html).contains("Leaderboard", "Cost versus quality", "data:image/png;base64,", "Pareto front",
        "McNemar", "llm-broad", "llm-b", "rules");
    assertThat(html).doesNotContain("{{");
    assertThat(second.examples()).containsKeys("llm-a", "llm-b", "llm-broad");
    for (List<Disagreements.Example> list : second.examples().values()) {
      assertThat(list).hasSizeLessThanOrEqualTo(4);
      for (Disagreements.Example e : list) {
        assertThat(e.variantLabel()).isNotEqualTo(e.baselineLabel());
        assertThat(e.variantRationale()).isNotBlank();
      }
    }
  }

  @Test
  void variantsSharingALedgerKeyAreRefusedBeforeAnythingIsScored() throws IOException {
    Path same = experiment("same.yaml", "x1", variant("llm-a-again", simA.endpoint(), "sim-a")
        .replace("items-per-request: " + PER_REQUEST, "items-per-request: 1"));
    long before = simA.stats().requests();
    Experiment e = Experiment.load(same, List.of());
    assertThatThrownBy(() -> new ExperimentStage(spark, e, "x3").execute())
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("'llm-a' and 'llm-a-again' have the same scoring-ledger key")
        .hasMessageContaining("another model name, policy file or policy version");
    assertThat(simA.stats().requests()).isEqualTo(before);
  }

  @Test
  void badExperimentFilesNameTheKeyAndTheFix() throws IOException {
    Path unknown = dir.resolve("unknown.yaml");
    Files.writeString(unknown, "name: x\nvariantz: []\n");
    assertThatThrownBy(() -> Experiment.load(unknown, List.of()))
        .hasMessageContaining("unknown.yaml").hasMessageContaining("unknown key 'variantz'")
        .hasMessageContaining("variants");
    Path one = dir.resolve("one.yaml");
    Files.writeString(one, "name: x\nvariants:\n  - name: a\n    score: {scorer: rules}\n");
    assertThatThrownBy(() -> Experiment.load(one, List.of())).hasMessageContaining("'variants'")
        .hasMessageContaining("at least two variants");
    Path badScore = dir.resolve("bad-score.yaml");
    Files.writeString(badScore, "name: x\nvariants:\n  - name: a\n    score: {scorer: rules}\n"
        + "  - name: b\n    score: {scorer: magic}\n");
    assertThatThrownBy(() -> Experiment.load(badScore, List.of())).hasMessageContaining("variants[b].score")
        .hasMessageContaining("score.scorer");
    Path simOnRules = dir.resolve("sim-rules.yaml");
    Files.writeString(simOnRules, "name: x\nvariants:\n  - name: a\n    score: {scorer: rules}\n"
        + "    simulator: {latency-ms: 5}\n  - name: b\n    score: {scorer: embedded}\n");
    assertThatThrownBy(() -> Experiment.load(simOnRules, List.of())).hasMessageContaining("variants[0].simulator")
        .hasMessageContaining("only serves an openai variant");
  }

  @Test
  void aFittedCascadesCurveIsReadFromItsMetricsAndDrawnOnTheChart() {
    io.ecolens.run.MetricRows m = new io.ecolens.run.MetricRows("x-curve", io.ecolens.score.CascadeFigures.FIT)
        .add("curve_cost_per_item_usd", "", "point", "00", 0.0, null, null, 100)
        .add("curve_f1_micro", "", "point", "00", 0.6, null, null, 100)
        .add("curve_cost_per_item_usd", "", "point", "01", 0.001, null, null, 100)
        .add("curve_f1_micro", "", "point", "01", 0.7, null, null, 100)
        .add("cost_per_item_usd", "", "all", "all", 0.0004, null, null, 100)
        .add("f1_micro", "", "all", "all", 0.69, null, null, 100);
    store.replaceRun(Table.METRICS, "x-curve", spark.createDataFrame(m.rows(), Table.METRICS.schema()));
    ExperimentPage.CascadeCurve curve = VariantReads.cascadeCurve(store, "x-curve").orElseThrow();
    assertThat(curve.points()).hasSize(2);
    assertThat(curve.points().get(0)).containsExactly(0.0, 0.6);
    assertThat(curve.points().get(1)).containsExactly(1.0, 0.7);
    assertThat(curve.chosen()[0]).isCloseTo(0.4, within(1e-12));
    assertThat(curve.chosen()[1]).isEqualTo(0.69);
    assertThat(VariantReads.cascadeCurve(store, ExperimentStage.variantRunId("x1", "rules"))).isEmpty();
    String with = ExperimentPage.chartDataUri(first.leaderboard().summaries(), java.util.Map.of("fit", curve));
    String without = ExperimentPage.chartDataUri(first.leaderboard().summaries(), java.util.Map.of());
    assertThat(with).startsWith("data:image/png;base64,").isNotEqualTo(without);
  }
}
