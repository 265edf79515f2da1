package io.ecolens.cli;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ecolens.config.ConfigLoader;
import io.ecolens.gate.GateStage;
import io.ecolens.run.RunContext;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.DemoRuns;
import io.ecolens.testing.HtmlChecks;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline through the command line, as a scheduled job runs it, on one small generated
 * corpus with two quality gates. Run g1 has no baseline (its gates pass with a note, exit 0) and is
 * then run again under the same run id, which must replace its rows, not add to them. Run g2 gets
 * its human labels from far noisier annotators, so agreement with the model collapses and the F1
 * gate fails (exit 5) after the run completed. g2's report is then re-run against g1 with only the
 * prevalence gate, which the unchanged model labels pass (exit 0). The notebooks' SQL runs against
 * the resulting tables, which hold comparisons and a failed gate.
 */
@Tag("slow")
class EndToEndTest extends SparkTest {
  private static final String DB = "e2e";
  private static final int ROWS = 1200;
  private static final int SAMPLE = 300;
  private static final int CATEGORIES = 10;
  private static final String PREVALENCE_GATE = "{metric: prevalence, category: spam_scam, max-rise-relative: 0.5}";
  /** F1 over all categories may drop 3 points; spam prevalence may rise 50%. */
  private static final String GATES = "gates=[{metric: f1, category: micro, max-drop: 0.03}, " + PREVALENCE_GATE + "]";
  /**
   * The tables 'run' writes per run: all but experiment_results, which only the experiment command
   * writes, and embeddings, which is keyed by content, not by run (checked on its own below).
   */
  private static final Set<Table> RUN_TABLES =
      EnumSet.complementOf(EnumSet.of(Table.EXPERIMENT_RESULTS, Table.EMBEDDINGS, Table.LLM_BATCHES)); // none: not in batch mode
  @TempDir static Path dir;
  private static TableStore store;
  private static final Map<Table, Long> FIRST = new EnumMap<>(Table.class);
  private static long firstEmbeddings;
  private static long embeddingsAfterTheRerun;
  private static final Map<String, Integer> EXIT = new HashMap<>();
  private static final Map<String, String> ERR = new HashMap<>();
  private static final Map<String, Map<String, Row>> GATE_ROWS = new HashMap<>();
  private static String regressedHtml;
  private static String regressedSummary;
  private static String baselineAfterTheRegression;

  @BeforeAll
  static void runs() throws IOException {
    store = new TableStore(spark, DB);
    run("g1", "g1", List.of("run"));
    for (Table t : RUN_TABLES) {
      FIRST.put(t, store.readRun(t, "g1").count());
    }
    firstEmbeddings = store.read(Table.EMBEDDINGS).count();
    run("g1-again", "g1", List.of("run")); // the same run id again: must replace, not add
    embeddingsAfterTheRerun = store.read(Table.EMBEDDINGS).count();
    // the same corpus (same seed), but the annotators now miss 60-80% of a medium category's violations
    run("g2", "g2", List.of("run"), "generate.output=" + dir.resolve("noisy"),
        "input.corpus.path=" + dir.resolve("noisy/corpus"), "input.labels.path=" + dir.resolve("noisy/labels"),
        "generate.annotator-error-rates=[0.6, 0.7, 0.8]");
    regressedHtml = Files.readString(dir.resolve("reports/g2/report.html"));
    regressedSummary = Files.readString(dir.resolve("reports/g2/summary.json"));
    baselineAfterTheRegression = new GateStage().baseline(new RunContext(spark, ConfigLoader.load(
        Path.of("conf/local.yaml"), List.of("catalog.database=" + DB, GATES)), "g3"));
    run("g2-again", "g2", List.of("report", "--baseline-run", "g1"), "generate.enabled=false",
        "gates=[" + PREVALENCE_GATE + "]");
  }

  /** The overrides of every command here: the demo corpus, the catalog database, a small sample and the gates. */
  private static List<String> settings() {
    List<String> sets = DemoRuns.demoCorpus(dir, ROWS, DB);
    // 1% malformed: 12 of the 1,200 lines, enough for every kind, duplicate ids included (0.5% makes 6 of 7 kinds)
    sets.addAll(List.of("generate.enabled=true", "generate.malformed-share=0.01", "catalog.embedded=false",
        "spark.shuffle-partitions=2", "sample.size=" + SAMPLE, GATES));
    return sets;
  }

  /**
   * Runs {@code command} (the command and its own options) for {@code runId} with {@code extra}
   * overrides, and records exit code, stderr and the gate rows under {@code key}.
   */
  private static void run(String key, String runId, List<String> command, String... extra) {
    List<String> args = new ArrayList<>(command);
    args.addAll(List.of("--conf", "conf/local.yaml", "--run-id", runId));
    List<String> sets = settings();
    sets.addAll(List.of(extra));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    StringWriter err = new StringWriter();
    EXIT.put(key, EcolensCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        args.toArray(String[]::new)));
    ERR.put(key, err.toString());
    GATE_ROWS.put(key, store.readRun(Table.GATE_RESULTS, runId).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("metric"), r -> r)));
  }

  private static long rows(Table t, String runId) {
    return store.readRun(t, runId).count();
  }

  private static Double comparison(String runId, String metric, String category) {
    List<Row> rows = sql("SELECT value FROM " + DB + ".metrics WHERE run_id = '" + runId + "' AND report = 'comparison'"
        + " AND metric = '" + metric + "' AND category = '" + category + "' AND slice_key = 'all'").collectAsList();
    return rows.isEmpty() ? null : rows.get(0).getDouble(0);
  }

  @Test
  void everyTableHasRowsForTheRunAndIsReadableByNameAndPath() {
    for (Table t : RUN_TABLES) {
      assertThat(rows(t, "g1")).as(t.tableName()).isPositive();
      long byName = sql("SELECT count(*) FROM " + DB + "." + t.tableName() + " WHERE run_id = 'g1'").first().getLong(0);
      long byPath = spark.read().format("delta").load(store.location(t)).filter(col("run_id").equalTo("g1")).count();
      assertThat(byName).isEqualTo(byPath).isEqualTo(rows(t, "g1"));
    }
  }

  @Test
  void rerunningWithTheSameRunIdLeavesNoDuplicates() {
    assertThat(EXIT.get("g1-again")).as(ERR.get("g1-again")).isZero();
    for (Table t : RUN_TABLES) {
      assertThat(rows(t, "g1")).as(t.tableName()).isEqualTo(FIRST.get(t));
    }
  }

  @Test
  void rerunningEmbedsNoTextAgain() {
    assertThat(firstEmbeddings).as("vectors of the sample's semantic diversity").isPositive();
    assertThat(embeddingsAfterTheRerun).isEqualTo(firstEmbeddings);
    assertThat(store.read(Table.EMBEDDINGS).groupBy("content_hash", "text_hash", "model").count()
        .filter(col("count").gt(1)).count()).isZero();
  }

  @Test
  void ingestCountsReconcileAndAreRecordedInRuns() {
    Row run = store.readRun(Table.RUNS, "g1").first();
    assertThat((String) run.getAs("status")).isEqualTo("succeeded");
    Map<String, Object> counts = scala.collection.JavaConverters.mapAsJavaMap(run.getAs("counts"));
    long read = (Long) counts.get("read");
    long accepted = (Long) counts.get("accepted");
    long quarantined = (Long) counts.get("quarantined");
    long duplicates = (Long) counts.get("duplicates");
    assertThat(read).isEqualTo(ROWS);
    assertThat(accepted + quarantined + duplicates).isEqualTo(read);
    assertThat(quarantined).isPositive();
    assertThat(duplicates).isPositive();
    assertThat(rows(Table.CONTENT, "g1")).isEqualTo(accepted);
    assertThat(rows(Table.CONTENT_QUARANTINE, "g1")).isEqualTo(quarantined);
    assertThat(store.readRun(Table.CONTENT_QUARANTINE, "g1").filter("size(reasons) = 0").count()).isZero();
    assertThat((String) run.getAs("config_json")).contains("\"database\":\"" + DB + "\"");
    Map<String, Object> seconds = scala.collection.JavaConverters.mapAsJavaMap(run.getAs("stage_seconds"));
    assertThat(seconds).containsKeys("ingest", "sample", "score", "evaluate", "report");
  }

  @Test
  void sampleScoresAndEvaluationsLineUp() {
    assertThat(rows(Table.SAMPLES, "g1")).isEqualTo(SAMPLE);
    assertThat(rows(Table.SCORES, "g1")).isEqualTo((long) SAMPLE * CATEGORIES);
    assertThat(store.readRun(Table.SCORES, "g1").filter("status = 'error'").count()).isZero();
    assertThat(sql("SELECT sum(weight) FROM " + DB + ".samples WHERE run_id = 'g1'").first().getDouble(0))
        .isCloseTo((double) rows(Table.CONTENT, "g1"), within(1e-6));
    assertThat(rows(Table.EVALUATIONS, "g1")).isEqualTo((long) SAMPLE * CATEGORIES);
    String agreement = "SELECT category, value FROM " + DB + ".metrics WHERE run_id = 'g1' AND report = 'agreement'"
        + " AND metric = 'f1'";
    assertThat(sql(agreement + " AND category NOT IN ('micro', 'macro')").collectAsList()).hasSize(CATEGORIES);
    // the rules scorer is good but not perfect on the generated corpus
    assertThat(sql(agreement + " AND category = 'micro'").first().getDouble(1)).isBetween(0.3, 0.99);
    for (String metric : List.of("prevalence", "human_prevalence")) {
      assertThat(sql("SELECT count(*) FROM " + DB + ".metrics WHERE run_id = 'g1' AND report = 'prevalence'"
          + " AND slice_key = 'all' AND metric = '" + metric + "'").first().getLong(0)).as(metric).isEqualTo(CATEGORIES);
    }
  }

  @Test
  void theReportOfASmallRunReferencesNothingOutsideItself() throws IOException {
    String html = Files.readString(dir.resolve("reports/g1/report.html"));
    HtmlChecks.assertSelfContained(html);
    assertThat(html).contains("<svg", "id='chart-prevalence'", "id='chart-pr'", "Status: succeeded");
    assertThat(dir.resolve("reports/g1/summary.json")).exists();
    assertThat(Files.readString(dir.resolve("reports/g1/summary.md"))).contains("**ecolens run g1**");
    // diversity of corpus and sample, semantic figures from MiniLM and the LSH near-duplicate rate
    assertThat(sql("SELECT DISTINCT metric FROM " + DB + ".metrics WHERE run_id = 'g1' AND report = 'diversity_sample'")
        .collectAsList().stream().map(r -> r.getString(0)).toList())
        .contains("creator_top_share_views", "topic_normalized_entropy", "semantic_vendi_score",
            "semantic_mean_cosine_distance", "near_duplicate_rate");
  }

  @Test
  void aNewRunReusesEarlierScoresInsteadOfScoringAgain() {
    // named to sort before g2, so that the notebooks' "latest run" stays g2 whenever this runs
    RunContext reuse = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"), settings()), "g1-reuse");
    StageRunners.ingest(reuse);
    StageRunners.sample(reuse);
    StageRunners.score(reuse);
    assertThat(store.readRun(Table.SCORES, "g1-reuse").filter("status <> 'cached'").count()).isZero();
    assertThat(rows(Table.SCORES, "g1-reuse")).isEqualTo(rows(Table.SCORES, "g1"));
  }

  @Test
  void theFirstRunHasNoBaselineAndPassesWithANote() {
    assertThat(EXIT.get("g1")).as(ERR.get("g1")).isZero();
    for (String key : List.of("g1", "g1-again")) { // a run is never its own baseline
      Map<String, Row> gates = GATE_ROWS.get(key);
      assertThat(gates).as(key).containsOnlyKeys("f1", "prevalence");
      for (Row g : gates.values()) {
        assertThat((String) g.getAs("status")).isEqualTo("no_baseline");
        assertThat((String) g.getAs("message")).contains("no earlier successful run to compare with");
        assertThat((Object) g.getAs("baseline_run_id")).isNull();
      }
    }
    assertThat(store.readRun(Table.METRICS, "g1").filter("report = 'comparison'").count()).isZero();
  }

  @Test
  void noisierHumanLabelsFailTheF1GateWithExitCode5AfterTheRunCompleted() throws IOException {
    assertThat(EXIT.get("g2")).as(ERR.get("g2")).isEqualTo(5);
    assertThat(ERR.get("g2")).contains("quality gates failed for run g2: exit code 5");
    Map<String, Row> gates = GATE_ROWS.get("g2");
    Row f1 = gates.get("f1");
    assertThat((String) f1.getAs("status")).isEqualTo("failed");
    assertThat((String) f1.getAs("baseline_run_id")).isEqualTo("g1");
    assertThat((Double) f1.getAs("delta")).isLessThan(-0.03);
    assertThat((String) f1.getAs("message")).contains("f1[micro] in report agreement").contains("(max-drop 0.0300)");
    // the model's own labels did not change, so neither did its prevalence
    assertThat((String) gates.get("prevalence").getAs("status")).isEqualTo("passed");
    assertThat((Double) gates.get("prevalence").getAs("delta")).isCloseTo(0.0, within(1e-12));

    Row run = store.readRun(Table.RUNS, "g2").first();
    assertThat((String) run.getAs("status")).isEqualTo("succeeded");
    assertThat(regressedHtml).contains("Quality gates").contains("1 of 2 gates failed").contains("f1 [micro] max-drop 0.03");
    JsonNode summary = new ObjectMapper().readTree(regressedSummary);
    assertThat(summary.get("gates")).hasSize(2);
    assertThat(summary.get("gates").get(0).get("status").asText()).isEqualTo("failed");
  }

  @Test
  void comparisonRowsHoldDeltasPValuesAndFlags() {
    assertThat(comparison("g2", "f1_delta", "micro")).isLessThan(-0.03);
    assertThat(comparison("g2", "f1_significant", "micro")).isEqualTo(1.0); // intervals far apart
    assertThat(comparison("g2", "precision_p_value", "micro")).isLessThan(0.01);
    assertThat(comparison("g2", "precision_significant", "micro")).isEqualTo(1.0);
    assertThat(comparison("g2", "prevalence_delta", "spam_scam")).isCloseTo(0.0, within(1e-12));
    assertThat(comparison("g2", "prevalence_p_value", "spam_scam")).isCloseTo(1.0, within(1e-9));
    assertThat(comparison("g2", "prevalence_significant", "spam_scam")).isZero();
    assertThat(comparison("g2", "human_prevalence_significant", "spam_scam")).isEqualTo(1.0);
  }

  @Test
  void aRunThatFailedAGateIsNotTheNextBaseline() {
    assertThat(baselineAfterTheRegression).isEqualTo("g1"); // g2 is later, but failed a gate
  }

  @Test
  void aReportWhoseGatesPassExitsZeroAgainstANamedBaseline() {
    assertThat(EXIT.get("g2-again")).as(ERR.get("g2-again")).isZero();
    Map<String, Row> gates = GATE_ROWS.get("g2-again");
    assertThat(gates).containsOnlyKeys("prevalence");
    assertThat((String) gates.get("prevalence").getAs("status")).isEqualTo("passed");
    assertThat((String) gates.get("prevalence").getAs("baseline_run_id")).isEqualTo("g1");
    Row run = store.readRun(Table.RUNS, "g2").first();
    assertThat(scala.collection.JavaConverters.mapAsJavaMap(run.<scala.collection.Map<String, Object>>getAs("counts")))
        .containsEntry("gates_checked", 1L).containsEntry("gates_failed", 0L);
  }

  @Test
  void everyNotebookSqlCellRunsAgainstTablesWithComparisonsAndGates() throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Path> notebooks;
    try (var files = Files.list(Path.of("notebooks"))) {
      notebooks = files.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
    }
    int cells = 0;
    try {
      for (Path notebook : notebooks) {
        for (JsonNode cell : json.readTree(notebook.toFile()).get("cells")) {
          StringBuilder source = new StringBuilder();
          cell.get("source").forEach(line -> source.append(line.asText()));
          String text = source.toString();
          if (!cell.get("cell_type").asText().equals("code") || !text.startsWith("%%sql")) {
            continue;
          }
          String statement = text.substring("%%sql".length()).trim().replace("USE ecolens", "USE " + DB);
          List<Row> result = sql(statement).collectAsList();
          if (!statement.startsWith("USE")) {
            // these tables hold every kind of row the notebooks read, comparisons and a failed gate included
            assertThat(result).as(notebook + ": " + statement).isNotEmpty();
          }
          cells++;
        }
      }
    } finally {
      sql("USE default");
    }
    assertThat(cells).isGreaterThanOrEqualTo(20);
  }
}
