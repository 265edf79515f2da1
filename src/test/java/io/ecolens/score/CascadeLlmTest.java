package io.ecolens.score;

import io.ecolens.config.ScorerType;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.EcolensException;
import io.ecolens.cli.StageRunners;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.generate.CorpusGenerator;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.run.RunContext;
import io.ecolens.simulator.LlmSimulator;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.DemoRuns;
import io.ecolens.testing.SparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The cascade embedded → openai through the score stage against the LLM simulator on loopback:
 * only uncertain items reach the LLM, within the job's global concurrency; a rerun and a new run
 * make no LLM call; LLM failures become error rows; the figures reach {@code metrics} and the report.
 */
@Tag("slow")
class CascadeLlmTest extends SparkTest {
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
  private static final int CATEGORIES = POLICY.categories().size();
  /** Global in-flight limit, spread over three partitions: one request each. */
  private static final int MAX_CONCURRENCY = 3;
  @TempDir static Path dir;
  private static LlmSimulator sim;
  private static TableStore store;
  private static long items;
  private static LlmSimulator.Stats afterFirst;
  private static LlmSimulator.Stats afterRerun;
  private static LlmSimulator.Stats afterNewRun;
  private static Path reportHtml;

  private static EcolensConfig config(String endpoint, List<String> more) {
    List<String> sets = DemoRuns.demoCorpus(dir, 120, "cascade_llm");
    sets.addAll(List.of(
        "sample.size=30",
        "sample.strata=[format]",
        "score.scorer=cascade",
        "score.batch-size=8",
        "score.embedded.mode=zero-shot",
        "score.cascade.first=embedded",
        "score.cascade.second=openai",
        "score.cascade.band=1.0",
        "score.cascade.target-share=0.3",
        "score.openai.endpoint=" + endpoint,
        "score.openai.model=sim-model",
        "score.openai.items-per-request=2",
        "score.openai.commit-every=20",
        "score.openai.max-concurrency=" + MAX_CONCURRENCY,
        "score.openai.partitions=3",
        "score.openai.max-attempts=2",
        "score.openai.timeout-ms=5000",
        "score.openai.input-price-per-million=2.5",
        "score.openai.output-price-per-million=10"));
    sets.addAll(more);
    if (more.stream().anyMatch(s -> s.startsWith("score.cascade.tolerance="))) {
      sets.remove("score.cascade.target-share=0.3"); // the tolerance fits the bands instead
    }
    return ConfigLoader.load(Path.of("conf/local.yaml"), sets);
  }

  /** The content, sample and labels of run {@code from}, copied under run {@code to}: the same sample. */
  private static RunContext copied(EcolensConfig config, String from, String to) {
    RunContext ctx = new RunContext(spark, config, to);
    for (Table t : List.of(Table.CONTENT, Table.SAMPLES, Table.POLICY_LABELS)) {
      ctx.store().copyRun(t, from, to);
    }
    return ctx;
  }

  /** Model loads in this JVM before this class ran (an earlier test class may have loaded it already). */
  private static int loadsBefore;

  @BeforeAll
  static void scoreRerunAndCompare() {
    loadsBefore = io.ecolens.embedding.Embedder.loads();
    // the simulator rejects what goes over the global cap: a per-task limit would trip it
    sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(40).withCap(MAX_CONCURRENCY, true), POLICY);
    EcolensConfig config = config(sim.endpoint(), List.of());
    CorpusGenerator.execute(spark, config.generate(), new RunContext(spark, config, "gen").policy());
    RunContext ctx = new RunContext(spark, config, "c1");
    store = ctx.store();
    StageRunners.ingest(ctx);
    StageRunners.sample(ctx);
    items = store.readRun(Table.SAMPLES, "c1").count();

    StageRunners.score(ctx);
    afterFirst = sim.stats();
    StageRunners.score(new RunContext(spark, config, "c1"));
    afterRerun = sim.stats();
    StageRunners.score(copied(config, "c1", "c2"));
    afterNewRun = sim.stats();

    // LLM only over the same sample, then both evaluated and compared
    RunContext llmOnly = copied(config(sim.endpoint(), List.of("score.scorer=openai")), "c1", "o1");
    StageRunners.score(llmOnly);
    StageRunners.evaluate(ctx);
    StageRunners.evaluate(llmOnly);
    CascadeFigures.compare(ctx, "o1");
    reportHtml = StageRunners.report(ctx).htmlPath();
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  private static Dataset<Row> scores(String runId) {
    return store.readRun(Table.SCORES, runId);
  }

  private static Map<String, Double> cascadeMetrics(String runId) {
    Map<String, Double> m = new HashMap<>();
    for (Row r : store.readRun(Table.METRICS, runId).filter(col("report").equalTo(CascadeFigures.REPORT))
        .collectAsList()) {
      m.put(r.getAs("metric"), r.getAs("value"));
    }
    return m;
  }

  @Test
  void onlyUncertainItemsReachTheLlmAndEveryRowSaysWhoDecidedIt() {
    Dataset<Row> rows = scores("c1");
    assertThat(rows.count()).isEqualTo(items * CATEGORIES);
    assertThat(rows.select("content_id", "category").distinct().count()).isEqualTo(items * CATEGORIES);
    assertThat(rows.filter(col("scorer").isin("embedded", "openai").unary_$bang()).count()).isZero();
    long escalated = rows.filter(col("scorer").equalTo("openai")).select("content_id").distinct().count();
    assertThat(escalated).isPositive().isLessThan(items);
    // an item is decided by one scorer for all its categories
    assertThat(rows.select("content_id", "scorer").distinct().count()).isEqualTo(items);
    assertThat(afterFirst.distinctItems()).isEqualTo(escalated);
    assertThat(afterFirst.items()).isEqualTo(escalated);
    assertThat(rows.filter(col("scorer").equalTo("openai").and(col("cost_usd").leq(0))).count()).isZero();
    assertThat(rows.filter(col("scorer").equalTo("embedded").and(col("cost_usd").notEqual(0.0))).count()).isZero();
    assertThat(rows.filter(col("scorer").equalTo("openai")).first().<String>getAs("rationale"))
        .startsWith("cascade: embedded unsure");
    assertThat(rows.filter(col("scorer").equalTo("embedded")).first().<String>getAs("rationale"))
        .startsWith("cascade: embedded sure");
    assertThat(rows.first().<String>getAs("model")).isEqualTo("cascade:all-minilm-l6-v2-q:max-tokens=256:windows=16:zero-shot>sim-model"
        + "@share=0.300,band<=1.000");
  }

  @Test
  void theModelWasLoadedOnceForAllTasksAndRuns() {
    assertThat(io.ecolens.embedding.Embedder.loads() - loadsBefore).isLessThanOrEqualTo(1);
  }

  @Test
  void theLlmStepKeepsToTheJobsGlobalConcurrency() {
    assertThat(afterFirst.maxInFlight()).isBetween(1L, (long) MAX_CONCURRENCY);
    assertThat(sim.stats().rejectedOverCap()).isZero();
  }

  @Test
  void aRerunAndANewRunOverTheSameItemsMakeNoLlmCall() {
    assertThat(afterRerun.requests()).isEqualTo(afterFirst.requests());
    assertThat(afterNewRun.requests()).isEqualTo(afterFirst.requests());
    assertThat(scores("c1").count()).isEqualTo(items * CATEGORIES);
    assertThat(scores("c2").filter(col("status").equalTo("cached")).count()).isEqualTo(items * CATEGORIES);
    assertThat(cascadeMetrics("c2")).containsEntry("cached_items", (double) items).containsEntry("items", 0.0);
  }

  @Test
  void theCascadeFiguresReachMetrics() {
    Map<String, Double> m = cascadeMetrics("c1");
    long escalated = scores("c1").filter(col("scorer").equalTo("openai")).select("content_id").distinct().count();
    double llmCost = scores("c1").filter(col("scorer").equalTo("openai")).agg(org.apache.spark.sql.functions.sum("cost_usd"))
        .first().getDouble(0);
    assertThat(m).containsEntry("items", (double) items)
        .containsEntry("escalated_items", (double) escalated)
        .containsEntry("second_only_items", (double) items)
        .containsEntry("calls_saved", (double) (items - escalated))
        .containsEntry("escalated_error_items", 0.0);
    assertThat(m.get("escalated_share")).isCloseTo((double) escalated / items, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(m.get("second_cost_usd")).isPositive().isCloseTo(llmCost, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(m.get("second_only_cost_usd")).isCloseTo(llmCost / escalated * items,
        org.assertj.core.data.Offset.offset(1e-12));
    assertThat(m.get("cost_saved_usd")).isPositive();
  }

  @Test
  void theComparisonWithLlmOnlyOverTheSameSampleReachesMetricsAndTheReport() throws Exception {
    Dataset<Row> cmp = store.readRun(Table.METRICS, "c1").filter(col("report").equalTo(CascadeFigures.COMPARISON));
    assertThat(cmp.filter("metric = 'f1_cascade' AND category = 'micro'").count()).isEqualTo(1);
    assertThat(cmp.filter("metric = 'f1_llm_only' AND category = 'micro'").count()).isEqualTo(1);
    Row llmItems = cmp.filter("metric = 'llm_items_llm_only'").first();
    assertThat(llmItems.<Double>getAs("value")).isEqualTo((double) items);
    assertThat(cmp.filter("metric = 'llm_cost_usd_llm_only'").first().<Double>getAs("value"))
        .isGreaterThan(cmp.filter("metric = 'llm_cost_usd_cascade'").first().<Double>getAs("value"));
    String html = Files.readString(reportHtml);
    assertThat(html).contains("<h2>Cascade</h2>").contains("cascade vs LLM only, same sample")
        .contains("openai calls saved vs openai alone");
  }

  @Test
  void comparingRunsOverDifferentSamplesFailsWithTheReason() {
    RunContext other = new RunContext(spark, config(sim.endpoint(), List.of()), "c-other");
    store.replaceRun(Table.SAMPLES, "c-other", store.readRun(Table.SAMPLES, "c1").limit(5)
        .withColumn("run_id", org.apache.spark.sql.functions.lit("c-other")));
    assertThatThrownBy(() -> CascadeFigures.compare(other, "o1"))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("scored different samples").hasMessageContaining("same sample");
  }

  @Test
  void anLlmFailureOnAnEscalatedItemIsAnErrorRowWithTheReason() {
    try (LlmSimulator broken = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(5)
        .withFaults(0, 1.0, 0, 0, 0, 0), POLICY)) {
      // another band, so that the rows of c1 are not reused from the cache
      EcolensConfig config = config(broken.endpoint(), List.of("score.cascade.target-share=0.25"));
      StageRunners.score(copied(config, "c1", "c-broken"));
      Dataset<Row> rows = scores("c-broken");
      assertThat(rows.count()).isEqualTo(items * CATEGORIES);
      Dataset<Row> errors = rows.filter(col("status").equalTo("error"));
      assertThat(errors.count()).isPositive();
      assertThat(errors.filter(col("scorer").notEqual("openai")).count()).isZero();
      assertThat(errors.filter(col("label").isNotNull().or(col("error").contains("HTTP 500").unary_$bang())).count())
          .isZero();
      assertThat(errors.first().<String>getAs("rationale")).contains("openai failed; embedded had");
      assertThat(rows.filter(col("status").equalTo("ok")).filter(col("scorer").notEqual("embedded")).count()).isZero();
      assertThat(cascadeMetrics("c-broken").get("escalated_error_items"))
          .isEqualTo((double) errors.select("content_id").distinct().count());
      // the first step is deterministic: items both runs left to embedded got the same scores
      Dataset<Row> mine = rows.filter(col("scorer").equalTo("embedded"))
          .select(col("content_id"), col("category"), col("score").as("again"));
      Dataset<Row> before = scores("c1").filter(col("scorer").equalTo("embedded"))
          .select(col("content_id"), col("category"), col("score"));
      Dataset<Row> both = mine.join(before, new String[] {"content_id", "category"});
      assertThat(both.count()).isPositive();
      assertThat(both.filter(col("score").notEqual(col("again"))).count()).isZero();
    }
  }

  @Test
  void withAToleranceThePilotGoesToTheLlmAndTheRestIsScoredWithTheBandsFittedOnIt() {
    EcolensConfig config = config(sim.endpoint(), List.of("score.cascade.tolerance=0.02", "score.cascade.pilot-items=20"));
    LlmSimulator.Stats before = sim.stats();
    StageRunners.score(copied(config, "c1", "p1"));
    LlmSimulator.Stats after = sim.stats();
    Dataset<Row> rows = scores("p1");
    assertThat(rows.count()).isEqualTo(items * CATEGORIES);
    assertThat(rows.first().<String>getAs("model")).endsWith("@tolerance=0.020,pilot=20");
    Dataset<Row> pilot = rows.filter(col("rationale").startsWith("cascade: pilot item"));
    // at most half of the 30 labelled items: the evaluation keeps items the fitted cascade decided
    assertThat(pilot.select("content_id").distinct().count()).isEqualTo(items / 2);
    assertThat(pilot.filter(col("scorer").notEqual("openai")).count()).isZero();
    long escalated = rows.filter(col("scorer").equalTo("openai")).select("content_id").distinct().count();
    assertThat(after.items() - before.items()).isEqualTo(escalated);
    // the rest: each item decided by the first step (sure) or sent on for a fitted band
    assertThat(rows.filter(col("rationale").startsWith("cascade: pilot item").unary_$bang()
        .and(col("rationale").startsWith("cascade: embedded sure").unary_$bang())
        .and(col("rationale").startsWith("cascade: embedded unsure (within a fitted band").unary_$bang())).count())
        .isZero();

    Map<String, Double> fit = new HashMap<>();
    Map<String, Double> bands = new HashMap<>();
    long points = 0;
    for (Row r : store.readRun(Table.METRICS, "p1").filter(col("report").equalTo(CascadeFigures.FIT)).collectAsList()) {
      String metric = r.getAs("metric");
      if (metric.equals("band")) {
        bands.put(r.getAs("category"), r.getAs("value"));
      } else if (metric.equals("curve_f1_micro")) {
        points++;
      } else if (!metric.startsWith("curve_")) {
        fit.put(metric, r.getAs("value"));
      }
    }
    assertThat(bands.keySet()).hasSize(CATEGORIES);
    assertThat(points).isGreaterThanOrEqualTo(2);
    assertThat(fit).containsEntry("pilot_items", (double) (items / 2)).containsEntry("tolerance", 0.02);
    assertThat(fit.get("f1_loss")).isLessThanOrEqualTo(0.02 + 1e-12);
    assertThat(fit.get("calls_saved_share")).isCloseTo(1 - fit.get("escalated_share"), org.assertj.core.data.Offset.offset(1e-12));

    // a rerun resumes: no call, and the same bands fitted from the committed pilot rows
    StageRunners.score(new RunContext(spark, config, "p1"));
    assertThat(sim.stats().requests()).isEqualTo(after.requests());
    Map<String, Double> again = new HashMap<>();
    store.readRun(Table.METRICS, "p1").filter(col("report").equalTo(CascadeFigures.FIT).and(col("metric").equalTo("band")))
        .collectAsList().forEach(r -> again.put(r.getAs("category"), r.getAs("value")));
    assertThat(again).isEqualTo(bands);
  }

  @Test
  void theBandsAreFittedOnlyOnceEveryPilotItemHasTheLlmsVerdict() {
    List<String> fitted = List.of("score.cascade.tolerance=0.03", "score.cascade.pilot-items=20",
        "score.openai.max-attempts=1", "score.failure-bound.max-share=1");
    try (LlmSimulator flaky = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(5)
        .withFaults(0, 0.5, 0, 0, 0, 0), POLICY)) {
      RunContext ctx = copied(config(flaky.endpoint(), fitted), "c1", "p-flaky");
      assertThatThrownBy(() -> StageRunners.score(ctx)).isInstanceOf(EcolensException.class)
          .hasMessageContaining("pilot items have no verdict of the cascade's openai yet")
          .hasMessageContaining("run score again with --run-id p-flaky");
    }
    // nothing but the pilot was scored, and no band was fitted
    assertThat(scores("p-flaky").filter(col("rationale").startsWith("cascade: pilot item").unary_$bang()).count())
        .isZero();
    assertThat(store.readRun(Table.METRICS, "p-flaky").filter(col("report").equalTo(CascadeFigures.FIT)).count())
        .isZero();
    // a rerun sends the failed pilot items again, then fits and scores the rest
    StageRunners.score(new RunContext(spark, config(sim.endpoint(), fitted), "p-flaky"));
    Dataset<Row> rows = scores("p-flaky");
    assertThat(rows.filter(col("status").equalTo("ok")).count()).isEqualTo(items * CATEGORIES);
    assertThat(rows.filter(col("rationale").startsWith("cascade: pilot item")).select("content_id").distinct().count())
        .isEqualTo(items / 2);
    assertThat(store.readRun(Table.METRICS, "p-flaky").filter(col("report").equalTo(CascadeFigures.FIT)
        .and(col("metric").equalTo("pilot_items"))).first().<Double>getAs("value")).isEqualTo((double) (items / 2));
  }

  @Test
  void aToleranceNeedsLabelledPilotItems() {
    EcolensConfig config = config(sim.endpoint(), List.of("score.cascade.tolerance=0.02"));
    RunContext ctx = new RunContext(spark, config, "p-unlabelled");
    for (Table t : List.of(Table.CONTENT, Table.SAMPLES)) {
      ctx.store().copyRun(t, "c1", "p-unlabelled");
    }
    long requests = sim.stats().requests();
    assertThatThrownBy(() -> StageRunners.score(ctx)).isInstanceOf(EcolensException.class)
        .hasMessageContaining("human labels for at least 20").hasMessageContaining("found 0")
        .hasMessageContaining("score.cascade.band");
    assertThat(sim.stats().requests()).isEqualTo(requests);
    assertThatThrownBy(() -> config(sim.endpoint(), List.of("score.cascade.tolerance=0.02",
        "score.cascade.target-share=0.2"))).hasMessageContaining("score.cascade.target-share")
        .hasMessageContaining("tolerance");
  }

  @Test
  void aCascadeMaySendToTheLlmSecondButNotFirst() {
    assertThatThrownBy(() -> config("http://127.0.0.1:1/v1", List.of("score.cascade.first=openai")))
        .hasMessageContaining("score.cascade.first").hasMessageContaining("'openai' is not one of rules, embedded");
    assertThat(config("http://127.0.0.1:1/v1", List.of()).score().cascade().second()).isEqualTo(ScorerType.OPENAI);
  }
}
