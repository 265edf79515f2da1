package io.ecolens.metrics;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageRunner;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** The metrics stage's prevalence rows on a five-item run, through the runner. */
@Tag("slow")
class MetricsStageTest extends SparkTest {
  private static final String DB = "metrics_stage_test";
  private static final String RUN = "m1";
  private static TableStore store;
  private static MetricsStage.Result result;

  /**
   * Five items in two strata of equal weights (10): videos v1, v2, v3 (N = 30) and photos p1, p2
   * (N = 20); no views, so no per-view rows. Nothing violates spam_scam; every scored item violates
   * hate_speech, whose p2 row is a scoring error and is left out. One human label: v1 does not
   * violate spam_scam (p1's annotators tied, so it has none). With evaluate.min-slice-items 2, the
   * one-item slices carry a low-n warning. Every estimate is therefore at 0 or 1, with the bound
   * 1 − 0.05^(1/n) on the other side (n = items, which equals Kish's n here: equal weights).
   */
  @BeforeAll
  static void fiveItemRun() {
    store = new TableStore(spark, DB);
    store.ensureAll();
    store.replaceRun(Table.SAMPLES, RUN, rows(Table.SAMPLES,
        sampled("v1", "video", 30), sampled("v2", "video", 30), sampled("v3", "video", 30),
        sampled("p1", "photo", 20), sampled("p2", "photo", 20)));
    store.replaceRun(Table.CONTENT, RUN, rows(Table.CONTENT,
        item("v1", "video"), item("v2", "video"), item("v3", "video"), item("p1", "photo"), item("p2", "photo")));
    store.replaceRun(Table.SCORES, RUN, rows(Table.SCORES,
        score("v1", "spam_scam", false, "ok"), score("v2", "spam_scam", false, "ok"),
        score("v3", "spam_scam", false, "cached"), score("p1", "spam_scam", false, "ok"),
        score("p2", "spam_scam", false, "ok"),
        score("v1", "hate_speech", true, "ok"), score("v2", "hate_speech", true, "ok"),
        score("v3", "hate_speech", true, "ok"), score("p1", "hate_speech", true, "cached"),
        score("p2", "hate_speech", null, "error")));
    store.replaceRun(Table.EVALUATIONS, RUN, rows(Table.EVALUATIONS,
        row("run_id", RUN, "content_id", "v1", "category", "spam_scam", "human_label", false),
        row("run_id", RUN, "content_id", "p1", "category", "spam_scam", "human_label", null)));
    RunContext ctx = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"),
        List.of("catalog.database=" + DB, "evaluate.min-slice-items=2")), RUN);
    result = new StageRunner(ctx).run(new MetricsStage()).result();
  }

  private static Map<String, Object> sampled(String id, String stratum, long population) {
    return row("run_id", RUN, "content_id", id, "stratum", stratum, "inclusion_probability", 0.1, "weight", 10.0,
        "stratum_population", population, "stratum_sample_size", stratum.equals("video") ? 3L : 2L);
  }

  private static Map<String, Object> item(String id, String format) {
    return row("run_id", RUN, "content_id", id, "format", format);
  }

  private static Map<String, Object> score(String id, String category, Boolean label, String status) {
    return row("run_id", RUN, "content_id", id, "category", category, "label", label, "status", status);
  }

  /** 95% upper bound on a proportion when none of n items is positive. */
  private static double none(int n) {
    return 1 - Math.pow(0.05, 1.0 / n);
  }

  /** A prevalence of 0 over n items. */
  private static Map<String, Object> zero(String report, String metric, String category, String key, String value,
      int n) {
    return figure(report, metric, category, key, value, 0.0, 0.0, none(n), n);
  }

  /** A prevalence of 1 over n items. */
  private static Map<String, Object> one(String report, String metric, String category, String key, String value,
      int n) {
    return figure(report, metric, category, key, value, 1.0, 1 - none(n), 1.0, n);
  }

  private static Map<String, Object> warning(String metric, String category, String key, String value, int n) {
    return figure("prevalence_slices", metric + "_low_n_warning", category, key, value, 1.0, null, null, n);
  }

  private static Map<String, Object> figure(String report, String metric, String category, String key, String value,
      double v, Double low, Double high, long n) {
    return row("run_id", RUN, "report", report, "metric", metric, "category", category, "slice_key", key,
        "slice_value", value, "value", v, "ci_low", low, "ci_high", high, "n", n);
  }

  @Test
  void writesModelAndHumanPrevalenceWholeRunPerFormatAndPerStratum() {
    String p = "prevalence";
    String s = "prevalence_slices";
    String h = "human_prevalence";
    assertSameRows(rows(Table.METRICS,
            zero(p, p, "spam_scam", "all", "all", 5),
            zero(p, p, "spam_scam", "format", "video", 3),
            zero(p, p, "spam_scam", "format", "photo", 2),
            zero(s, p, "spam_scam", "stratum", "video", 3),
            zero(s, p, "spam_scam", "stratum", "photo", 2),
            one(p, p, "hate_speech", "all", "all", 4),
            one(p, p, "hate_speech", "format", "video", 3),
            one(p, p, "hate_speech", "format", "photo", 1),
            warning(p, "hate_speech", "format", "photo", 1),
            one(s, p, "hate_speech", "stratum", "video", 3),
            one(s, p, "hate_speech", "stratum", "photo", 1),
            warning(p, "hate_speech", "stratum", "photo", 1),
            zero(p, h, "spam_scam", "all", "all", 1),
            zero(p, h, "spam_scam", "format", "video", 1),
            warning(h, "spam_scam", "format", "video", 1),
            zero(s, h, "spam_scam", "stratum", "video", 1),
            warning(h, "spam_scam", "stratum", "video", 1)),
        store.readRun(Table.METRICS, RUN).filter(col("report").isin("prevalence", "prevalence_slices")));
    assertThat(result.prevalenceRows()).isEqualTo(8);
    assertThat(result.sliceRows()).isEqualTo(9);
  }

  @Test
  void writesDiversityOfTheCorpusAndTheSampleAndRecordsNoCounts() {
    // videos 3 of 5 in both: H(3/5, 2/5) in bits
    double formatEntropy = -(0.6 * Math.log(0.6) + 0.4 * Math.log(0.4)) / Math.log(2);
    for (String report : List.of("diversity_corpus", "diversity_sample")) {
      assertThat(store.readRun(Table.METRICS, RUN).filter(col("report").equalTo(report)
          .and(col("metric").equalTo("format_entropy")).and(col("slice_key").equalTo("all")))
          .first().<Double>getAs("value")).isCloseTo(formatEntropy, org.assertj.core.api.Assertions.within(1e-9));
    }
    assertThat(result.diversityRows())
        .isEqualTo(store.readRun(Table.METRICS, RUN).filter(col("report").startsWith("diversity_")).count());
    assertThat(result.counts()).isEmpty();
    Map<String, Object> stageSeconds = scala.collection.JavaConverters.mapAsJavaMap(
        store.readRun(Table.RUNS, RUN).first().<scala.collection.Map<String, Object>>getAs("stage_seconds"));
    assertThat(stageSeconds).containsOnlyKeys("metrics");
  }
}
