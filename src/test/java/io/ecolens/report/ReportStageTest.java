package io.ecolens.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ecolens.EcolensException;
import io.ecolens.config.EcolensConfig;
import io.ecolens.gate.GateStage;
import io.ecolens.metrics.MetricsStage;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageRunner;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.HtmlChecks;
import io.ecolens.testing.SparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The report's three stages on hand-made tables: metrics (prevalence, diversity), gates (none
 * configured) and the render stage, run in order through the {@link StageRunner} as the report
 * command runs them.
 */
@Tag("slow")
class ReportStageTest extends SparkTest {
  private static final String DB = "report_test";
  private static TableStore store;
  @TempDir
  static Path policyDir;
  private static Path policy;

  @TempDir
  Path output;

  /** Two categories, spam_scam then hate_speech. */
  @BeforeAll
  static void createTables() throws Exception {
    store = new TableStore(spark, DB);
    store.ensureAll();
    policy = policyDir.resolve("test-policy.yaml");
    Files.writeString(policy, String.join("\n",
        "id: test",
        "version: \"2026.1\"",
        "description: two categories",
        "prompt: {version: v1, system: system}",
        "categories:",
        "  - {id: spam_scam, name: Spam and scams, severity: medium, threshold: 0.5, definition: Scams.}",
        "  - {id: hate_speech, name: Hate speech, severity: high, threshold: 0.5, definition: Hate.}",
        ""));
  }

  private RunContext context(String runId) {
    EcolensConfig config = new EcolensConfig(null, new EcolensConfig.CatalogSettings(DB, null, null, null), null, null,
        null, null, new EcolensConfig.ScoreSettings(null, policy.toString(), null), null,
        new EcolensConfig.ReportSettings(output.toString()));
    return new RunContext(spark, config, runId);
  }

  /** What the report command's stages did. */
  private record Reported(MetricsStage.Result metrics, ReportStage.Result report) {}

  /** Metrics, gates, then the render stage, through the runner (so the runs row records each). */
  private Reported report(String runId) {
    StageRunner runner = new StageRunner(context(runId));
    MetricsStage.Result metrics = runner.run(new MetricsStage()).result();
    runner.run(new GateStage());
    return new Reported(metrics, runner.run(new ReportStage()).result());
  }

  /**
   * Two strata: video (N=100, n=4, weight 25) and photo (N=20, n=2, weight 10). Items v1..v4 are
   * videos and p1, p2 photos.
   */
  private static void writeSample(String runId) {
    List<Map<String, Object>> samples = new ArrayList<>();
    for (String id : List.of("v1", "v2", "v3", "v4")) {
      samples.add(row("run_id", runId, "content_id", id, "stratum", "video", "inclusion_probability", 0.04,
          "weight", 25.0, "stratum_population", 100L, "stratum_sample_size", 4L));
    }
    for (String id : List.of("p1", "p2")) {
      samples.add(row("run_id", runId, "content_id", id, "stratum", "photo", "inclusion_probability", 0.1,
          "weight", 10.0, "stratum_population", 20L, "stratum_sample_size", 2L));
    }
    store.replaceRun(Table.SAMPLES, runId, rows(Table.SAMPLES, samples.toArray(Map[]::new)));
  }

  private static Map<String, Object> score(String runId, String id, String category, Boolean label, String status) {
    return row("run_id", runId, "content_id", id, "category", category, "label", label, "status", status,
        "score", label == null ? null : (label ? 0.9 : 0.1), "cost_usd", 0.001, "input_tokens", 100L,
        "output_tokens", 10L);
  }

  /**
   * spam_scam: v1 and p1 violate, v2, v3, v4, p2 do not. hate_speech: nothing violates; v4 failed
   * to score (error, excluded) and p1 is a cached row (included).
   */
  private static void writeScores(String runId) {
    store.replaceRun(Table.SCORES, runId, rows(Table.SCORES,
        score(runId, "v1", "spam_scam", true, "ok"),
        score(runId, "v2", "spam_scam", false, "ok"),
        score(runId, "v3", "spam_scam", false, "ok"),
        score(runId, "v4", "spam_scam", false, "ok"),
        score(runId, "p1", "spam_scam", true, "ok"),
        score(runId, "p2", "spam_scam", false, "cached"),
        score(runId, "v1", "hate_speech", false, "ok"),
        score(runId, "v2", "hate_speech", false, "ok"),
        score(runId, "v3", "hate_speech", false, "ok"),
        score(runId, "v4", "hate_speech", null, "error"),
        score(runId, "p1", "hate_speech", false, "cached"),
        score(runId, "p2", "hate_speech", false, "ok")));
  }

  private static void writeFullRun(String runId) {
    writeSample(runId);
    writeScores(runId);
    store.replaceRun(Table.CONTENT, runId, rows(Table.CONTENT,
        row("run_id", runId, "content_id", "v1", "format", "video"),
        row("run_id", runId, "content_id", "v2", "format", "video"),
        row("run_id", runId, "content_id", "v3", "format", "video"),
        row("run_id", runId, "content_id", "v4", "format", "video"),
        row("run_id", runId, "content_id", "p1", "format", "photo"),
        row("run_id", runId, "content_id", "p2", "format", "photo")));
    // Human labels for spam_scam only: v1, v2 violate; v3, p1 do not; p2's annotators tied (null).
    store.replaceRun(Table.EVALUATIONS, runId, rows(Table.EVALUATIONS,
        row("run_id", runId, "content_id", "v1", "category", "spam_scam", "human_label", true, "model_label", true),
        row("run_id", runId, "content_id", "v2", "category", "spam_scam", "human_label", true, "model_label", false),
        row("run_id", runId, "content_id", "v3", "category", "spam_scam", "human_label", false, "model_label", false),
        row("run_id", runId, "content_id", "p1", "category", "spam_scam", "human_label", false, "model_label", true),
        row("run_id", runId, "content_id", "p2", "category", "spam_scam", "human_label", null, "model_label", false)));
    store.replaceRun(Table.REVIEW_QUEUE, runId, rows(Table.REVIEW_QUEUE,
        row("run_id", runId, "content_id", "v2", "category", "spam_scam", "reason", "false_negative"),
        row("run_id", runId, "content_id", "p1", "category", "spam_scam", "reason", "false_positive")));
    store.replaceRunPart(Table.METRICS, runId, "report", "ingest", rows(Table.METRICS,
        metric(runId, "ingest", "read", "", 12_345.0),
        metric(runId, "ingest", "accepted", "", 12_000.0),
        metric(runId, "ingest", "quarantined", "", 300.0),
        metric(runId, "ingest", "duplicates", "", 45.0)));
    store.replaceRunPart(Table.METRICS, runId, "report", "agreement", rows(Table.METRICS,
        metric(runId, "agreement", "precision", "spam_scam", 0.5),
        metric(runId, "agreement", "recall", "spam_scam", 0.5),
        metric(runId, "agreement", "f1", "spam_scam", 0.5),
        metric(runId, "agreement", "tp", "spam_scam", 1.0),
        metric(runId, "agreement", "fp", "spam_scam", 1.0),
        metric(runId, "agreement", "fn", "spam_scam", 1.0),
        metric(runId, "agreement", "tn", "spam_scam", 1.0),
        metric(runId, "agreement", "f1", "micro", 0.5)));
    store.replaceRun(Table.RUNS, runId, rows(Table.RUNS,
        row("run_id", runId, "status", "running", "stage_seconds", Map.of("ingest", 12.5, "sample", 3.25),
            "counts", Map.of("read", 12_345L, "sampled", 6L), "input_tokens", 1200L, "output_tokens", 120L,
            "cost_usd", 0.0123)));
  }

  private static Map<String, Object> metric(String runId, String report, String metric, String category, double value) {
    return row("run_id", runId, "report", report, "metric", metric, "category", category, "slice_key", "all",
        "slice_value", "all", "value", value);
  }

  private static Row prevalenceRow(String runId, String metric, String category, String sliceValue) {
    List<Row> found = store.readRun(Table.METRICS, runId)
        .filter("report = 'prevalence' AND metric = '" + metric + "' AND category = '" + category
            + "' AND slice_value = '" + sliceValue + "'")
        .collectAsList();
    assertThat(found).as("%s %s %s", metric, category, sliceValue).hasSize(1);
    return found.get(0);
  }

  private static void assertEstimate(Row row, double value, double low, double high, long n) {
    assertThat(row.<Double>getAs("value")).isCloseTo(value, within(1e-9));
    assertThat(row.<Double>getAs("ci_low")).isCloseTo(low, within(1e-9));
    assertThat(row.<Double>getAs("ci_high")).isCloseTo(high, within(1e-9));
    assertThat(row.<Long>getAs("n")).isEqualTo(n);
  }

  @Test
  void writesPrevalenceMetricsReportAndSummary() throws Exception {
    String runId = "r-full";
    writeFullRun(runId);

    Reported reported = report(runId);
    ReportStage.Result result = reported.report();

    // spam_scam, whole run (stratified):
    //   video p = 1/4, photo p = 1/2; W = 100/120, 20/120; p = 5/6*1/4 + 1/6*1/2 = 7/24 = 0.2916667
    //   var = (5/6)²(1-4/100)(.25*.75)/3 + (1/6)²(1-2/20)(.5*.5)/1 = 1.5/36 + 0.225/36 = 0.0479167
    //   Wilson on n_eff = p(1-p)/var = 0.2065972/0.0479167 = 4.311594:
    //   z²/n = 0.890962, centre = (p + z²/2n)/(1 + z²/n) = 0.7371477/1.890962 = 0.389827,
    //   half = z·sqrt(var + z²/4n²)/(1 + z²/n) = 1.96·0.3155587/1.890962 = 0.327070
    //   CI = [0.0627511, 0.7169061] (z = 1.96, as PrevalenceEstimator.Z)
    assertEstimate(prevalenceRow(runId, "prevalence", "spam_scam", "all"), 7.0 / 24, 0.0627511104, 0.7169060963, 6);
    // spam_scam per format (equal weights within a format, so n_eff = n): Wilson(1/4, 4) and Wilson(1/2, 2)
    assertEstimate(prevalenceRow(runId, "prevalence", "spam_scam", "video"), 0.25, 0.0455860626, 0.6993639476, 4);
    assertEstimate(prevalenceRow(runId, "prevalence", "spam_scam", "photo"), 0.5, 0.0945286548, 0.9054713452, 2);
    // hate_speech: none of the 5 usable labels violates (v4 errored): [0, 1 - 0.05^(1/5)]
    assertEstimate(prevalenceRow(runId, "prevalence", "hate_speech", "all"), 0, 0, 0.4507197283, 5);
    // human spam_scam (p2 tied, left out): video 2/3 of 3, photo 0 of 1; p = 5/6*2/3 = 0.5555556;
    //   var = (5/6)²(1-3/100)(2/9)/2 + 0 (one photo item) = 0.0748457; n_eff = 0.2469136/0.0748457 = 3.298997
    //   Wilson: centre = 1.1377711/2.164431 = 0.525667, half = 1.96·0.4038408/2.164431 = 0.365691
    //   CI = [0.1599731, 0.8913606] (z = 1.96)
    assertEstimate(prevalenceRow(runId, "human_prevalence", "spam_scam", "all"), 5.0 / 9, 0.1599730979, 0.8913606425, 4);
    assertEstimate(prevalenceRow(runId, "human_prevalence", "spam_scam", "photo"), 0, 0, 0.95, 1);

    // 2 categories x (all, video, photo) model rows + 3 human rows for spam_scam
    assertThat(reported.metrics().prevalenceRows()).isEqualTo(9);
    assertThat(store.readRun(Table.METRICS, runId).filter("report = 'prevalence'").count()).isEqualTo(9);
    assertThat(result.reportDir()).isEqualTo(output.resolve(runId));

    String html = Files.readString(result.htmlPath());
    assertThat(html).contains(runId, "Spam and scams", "Hate speech", "2026.1");
    assertThat(html).contains("29.2%", "12,345", "$0.0123", "12.5 s", "Micro average");
    assertSelfContained(html);

    JsonNode summary = new ObjectMapper().readTree(result.summaryPath().toFile());
    assertThat(summary.path("run_id").asText()).isEqualTo(runId);
    assertThat(summary.path("status").asText()).isEqualTo("running");
    assertThat(summary.path("counts").path("read").asLong()).isEqualTo(12_345);
    assertThat(summary.path("counts").path("sampled").asLong()).isEqualTo(6);
    assertThat(summary.path("counts").path("errors").asLong()).isEqualTo(1);
    JsonNode spam = summary.path("prevalence").path("spam_scam");
    assertThat(spam.path("value").asDouble()).isCloseTo(7.0 / 24, within(1e-12));
    assertThat(spam.path("ci_low").asDouble()).isCloseTo(0.0627511104, within(1e-9));
    assertThat(spam.path("ci_high").asDouble()).isCloseTo(0.7169060963, within(1e-9));
    assertThat(summary.path("prevalence").path("hate_speech").path("ci_high").asDouble())
        .isCloseTo(0.4507197283, within(1e-9));
    assertThat(summary.path("agreement").path("spam_scam").path("f1").asDouble()).isEqualTo(0.5);
    assertThat(summary.path("cost_usd").asDouble()).isEqualTo(0.0123);
    assertThat(summary.path("paths").path("html").asText()).isEqualTo(result.htmlPath().toString());

    long metricRows = store.readRun(Table.METRICS, runId).count();
    report(runId);
    assertThat(store.readRun(Table.METRICS, runId).count()).isEqualTo(metricRows);
    assertThat(store.readRun(Table.METRICS, runId).filter("report = 'prevalence'").count()).isEqualTo(9);
    assertThat(store.readRun(Table.METRICS, runId).filter("report = 'ingest'").count()).isEqualTo(4);
  }

  private static double diversity(String runId, String report, String metric) {
    List<Row> found = store.readRun(Table.METRICS, runId)
        .filter("report = '" + report + "' AND metric = '" + metric + "' AND slice_key = 'all'").collectAsList();
    assertThat(found).as("%s %s", report, metric).hasSize(1);
    return found.get(0).<Double>getAs("value");
  }

  @Test
  void writesDiversityChartsMarkdownAndTheFinishedStatus() throws Exception {
    String runId = "r-div";
    writeFullRun(runId);
    // the runner marks the run running while the report stage writes; every stage before it succeeded
    store.replaceRun(Table.RUNS, runId, rows(Table.RUNS,
        row("run_id", runId, "status", "running", "stage_seconds", Map.of("ingest", 1.0, "sample", 1.0, "score", 2.0,
            "evaluate", 1.0), "counts", Map.of("scored", 6L), "cost_usd", 0.003, "input_tokens", 600L,
            "output_tokens", 60L)));

    ReportStage.Result result = report(runId).report();

    // content: 4 videos, 2 photos; all six sampled. H(2/3, 1/3) = 0.9182958 bits; HHI = 4/9 + 1/9;
    // coverage of the 5 default formats (video, photo, live, story, text) = 2/5
    for (String report : List.of("diversity_corpus", "diversity_sample")) {
      assertThat(diversity(runId, report, "format_entropy")).isCloseTo(0.9182958341, within(1e-9));
      assertThat(diversity(runId, report, "format_hhi")).isCloseTo(5.0 / 9, within(1e-12));
      assertThat(diversity(runId, report, "format_coverage")).isCloseTo(0.4, within(1e-12));
      assertThat(diversity(runId, report, "format_gini")).isCloseTo(1.0 / 6, within(1e-12)); // (-1·2 + 1·4)/(2·6)
      assertThat(diversity(runId, report, "language_entropy")).isCloseTo(0.0, within(1e-12)); // every language unknown
    }
    // topics: v1, p1 violate spam_scam; the other four items violate nothing ("none");
    // 2 of the 3 expected topics (spam_scam, hate_speech, none) seen
    assertThat(diversity(runId, "diversity_sample", "topic_top1_share")).isCloseTo(4.0 / 6, within(1e-12));
    assertThat(diversity(runId, "diversity_sample", "topic_coverage")).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(store.readRun(Table.METRICS, runId).filter("report = 'diversity_sample' AND slice_key = 'format'"
        + " AND slice_value = 'photo' AND metric = 'topic_distinct'").first().<Double>getAs("value")).isEqualTo(2.0);

    String html = Files.readString(result.htmlPath());
    assertThat(html).contains("Status: succeeded", "Diversity of the corpus and the sample", "Agreement (macro F1)",
        "Cost per 1,000 items", "$0.5000"); // $0.003 over 6 scored items
    assertThat(html.split("<svg", -1).length - 1).as("inline charts").isGreaterThanOrEqualTo(4);
    assertThat(html).contains("id='chart-prevalence'", "id='chart-scores'", "id='confusion-spam-scam'");
    assertSelfContained(html);

    String markdown = Files.readString(result.reportDir().resolve("summary.md"));
    assertThat(markdown).contains("**ecolens run r-div** · succeeded", "Review queue: 2", "Report: " + result.htmlPath());
    JsonNode summary = new ObjectMapper().readTree(result.summaryPath().toFile());
    assertThat(summary.path("status").asText()).isEqualTo("succeeded");
    assertThat(summary.path("cost_usd_per_1000_items").asDouble()).isCloseTo(0.5, within(1e-12));
    assertThat(summary.path("diversity").path("sample").path("format_hhi").asDouble()).isCloseTo(5.0 / 9, within(1e-12));
    assertThat(summary.path("paths").path("markdown").asText()).endsWith("summary.md");
  }

  @Test
  void optionalInputsMissingShowAsNotAvailable() throws Exception {
    String runId = "r-bare";
    writeSample(runId);
    writeScores(runId);
    // straight through the stages, bypassing the runner, so the run keeps no runs row
    RunContext ctx = context(runId);
    new MetricsStage().execute(ctx);
    new GateStage().execute(ctx);

    ReportStage.Result result = new ReportStage().execute(ctx);

    assertThat(store.readRun(Table.METRICS, runId).filter("metric = 'human_prevalence'").count()).isZero();
    // no content rows: every item is of unknown format. Ratio estimator over both strata:
    //   Σw = 4*25 + 2*10 = 120, Σw·y = 25 (v1) + 10 (p1) = 35, p = 35/120; Σw² = 2700, n_eff = 120²/2700 = 5.333
    //   Wilson(35/120, 5.333) = [0.0721192375, 0.6856749457]
    assertEstimate(prevalenceRow(runId, "prevalence", "spam_scam", "unknown"), 35.0 / 120, 0.0721192375, 0.6856749457, 6);
    String html = Files.readString(result.htmlPath());
    assertThat(html).contains("Human-label prevalence: not available", "Agreement: not available",
        "Stage timings: not available", "Review queue: not available", "Spam and scams", runId);
    assertSelfContained(html);
    JsonNode summary = new ObjectMapper().readTree(result.summaryPath().toFile());
    assertThat(summary.path("status").isNull()).isTrue();
    assertThat(summary.path("human_prevalence").size()).isZero();
    assertThat(summary.path("cost_usd").asDouble()).isCloseTo(0.012, within(1e-12));
  }

  @Test
  void theRenderStageAloneRendersAnOldRunFromItsTablesGatesIncluded() throws Exception {
    String runId = "r-old";
    // an earlier run's figures and gate outcomes, written out of order; no samples or scores at all
    store.replaceRun(Table.METRICS, runId, rows(Table.METRICS,
        row("run_id", runId, "report", "prevalence", "metric", "prevalence", "category", "spam_scam",
            "slice_key", "all", "slice_value", "all", "value", 0.25, "ci_low", 0.1, "ci_high", 0.4, "n", 40L)));
    store.replaceRun(Table.GATE_RESULTS, runId, rows(Table.GATE_RESULTS,
        row("run_id", runId, "gate_index", 1, "gate", "prevalence [spam_scam] max-rise-relative 0.5",
            "status", "passed", "baseline_run_id", "r-older", "baseline_value", 0.2, "current_value", 0.25,
            "delta", 0.05, "message", "within the limit"),
        row("run_id", runId, "gate_index", 0, "gate", "f1 [micro] max-drop 0.03", "status", "failed",
            "baseline_run_id", "r-older", "baseline_value", 0.8, "current_value", 0.7, "delta", -0.1,
            "p_value", 0.0123, "message", "f1 dropped 0.1000 (max-drop 0.0300)")));

    ReportStage.Result result = new StageRunner(context(runId)).run(new ReportStage()).result();

    assertThat(store.readRun(Table.METRICS, runId).count()).as("nothing recomputed").isEqualTo(1);
    String html = Files.readString(result.htmlPath());
    assertThat(html).contains("1 of 2 gates failed", "f1 [micro] max-drop 0.03", "f1 dropped 0.1000", "25.0%");
    JsonNode gates = new ObjectMapper().readTree(result.summaryPath().toFile()).path("gates");
    assertThat(gates).hasSize(2);
    assertThat(gates.get(0).path("gate").asText()).isEqualTo("f1 [micro] max-drop 0.03");
    assertThat(gates.get(0).path("status").asText()).isEqualTo("failed");
    assertThat(gates.get(0).path("p_value").asDouble()).isEqualTo(0.0123);
    assertThat(gates.get(1).path("baseline_run_id").asText()).isEqualTo("r-older");
    assertThat(gates.get(1).path("p_value").isNull()).isTrue();
  }

  @Test
  void missingScoresNameTheStageToRunFirst() {
    writeSample("r-unscored");
    assertThatThrownBy(() -> report("r-unscored"))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("report_test.scores has no rows for run_id 'r-unscored'")
        .hasMessageContaining("Run 'score' with --run-id r-unscored first");
  }

  @Test
  void runIdThatIsNotAFolderNameIsRejected() {
    // the one run-id rule (config.RunId) refuses it when the run's context is made, before any stage reads
    assertThatThrownBy(() -> new ReportStage().execute(context("../etc")))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("'--run-id'")
        .hasMessageContaining("'../etc' may only hold letters, digits and _ . -");
  }

  /** Charts are inline SVG: the only references allowed are in-page anchors (clip paths) and data: URIs. */
  private static void assertSelfContained(String html) {
    HtmlChecks.assertSelfContained(html);
  }
}
