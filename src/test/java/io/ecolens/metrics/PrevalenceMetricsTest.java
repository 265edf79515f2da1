package io.ecolens.metrics;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.randn;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.sample.ViewWeightedDraw;
import io.ecolens.tables.MetricRow;
import io.ecolens.testing.SparkTest;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The Spark path of the prevalence figures: per view, per stratum, per format, and the low-n warnings. */
class PrevalenceMetricsTest extends SparkTest {

  /**
   * Six items, one category. Stratum A (N = 100, n = 4, w = 25): a1..a4 with 10, 20, 30, 40 views;
   * stratum B (N = 20, n = 2, w = 10): b1 with 100 views and b2 with none. a1 and b1 violate. Formats
   * cut across strata: a1, a2, b1 are videos, a3, a4, b2 photos. {@code weightsA} overrides A's weights
   * (a view-weighted design has unequal weights within a stratum).
   */
  private static List<MetricRow> fixture(double[] weightsA, int minSliceItems) {
    Dataset<Row> content = sql("SELECT * FROM VALUES ('a1', 'video', 10L), ('a2', 'video', 20L), ('a3', 'photo', 30L),"
        + " ('a4', 'photo', 40L), ('b1', 'video', 100L), ('b2', 'photo', 0L) AS t(content_id, format, views)");
    Dataset<Row> samples = sql(String.format(java.util.Locale.ROOT,
        "SELECT content_id, stratum, 1.0 / weight AS inclusion_probability, weight, stratum_population FROM VALUES"
            + " ('a1', 'A', %s, 100L), ('a2', 'A', %s, 100L), ('a3', 'A', %s, 100L), ('a4', 'A', %s, 100L),"
            + " ('b1', 'B', 10.0D, 20L), ('b2', 'B', 10.0D, 20L) AS t(content_id, stratum, weight, stratum_population)",
        weightsA[0] + "D", weightsA[1] + "D", weightsA[2] + "D", weightsA[3] + "D"));
    Dataset<Row> labels = sql("SELECT * FROM VALUES ('a1', 'c', true), ('a2', 'c', false), ('a3', 'c', false),"
        + " ('a4', 'c', false), ('b1', 'c', true), ('b2', 'c', false), ('b2', 'd', null) AS t(content_id, category, label)");
    return PrevalenceMetrics.metricRows("r", PrevalenceMetrics.MODEL,
        PrevalenceMetrics.collect(PrevalenceMetrics.tallies(labels, samples, content)), minSliceItems);
  }

  private static MetricRow find(List<MetricRow> rows, String metric, String sliceKey, String sliceValue) {
    List<MetricRow> found = rows.stream()
        .filter(r -> r.metric().equals(metric) && r.sliceKey().equals(sliceKey) && r.sliceValue().equals(sliceValue))
        .toList();
    assertThat(found).as("%s %s=%s", metric, sliceKey, sliceValue).hasSize(1);
    return found.get(0);
  }

  private static void assertEstimate(MetricRow row, String report, double value, double low, double high, long n) {
    assertThat(row.report()).isEqualTo(report);
    assertThat(row.value()).isCloseTo(value, within(1e-9));
    assertThat(row.ciLow()).isCloseTo(low, within(1e-9));
    assertThat(row.ciHigh()).isCloseTo(high, within(1e-9));
    assertThat(row.n()).isEqualTo(n);
  }

  /**
   * Expected values from the formulas written out item by item (z_i = w_i v_i (y_i − R̂), zero outside
   * a domain; Var = Σ_h n_h/(n_h − 1) Σ_i (z_i − z̄_h)² / (Σ w v)²; Wilson on n_eff = R̂(1 − R̂)/Var):
   *
   * <pre>
   * by views, all:    R = (25·10 + 10·100) / (25·100 + 10·100) = 1250/3500 = .357143, CI [.091806, .753285]
   * by views, video:  R = 1250 / (25·30 + 1000) = .714286 (n_A = 4, n_B = 2 kept), CI [.220203, .956771]
   * by views, photo:  no violation: [0, 1 − .05^(1/n_eff)], Kish n_eff = 1750²/(750² + 1000²) = 1.96 → .783125
   * by views, A:      R = 250/2500 = .1, CI [.012409, .495598]
   * per item, A:      equal weights: p = 1/4, Var = (1 − 4/100)(.25·.75)/3 = .06, Wilson on n_eff 3.125 → [.038003, .737712]
   * per item, B:      p = 1/2, Var = (1 − 2/20)(.25)/1 = .225 → [.059643, .940357]
   * </pre>
   */
  @Test
  void perViewPerStratumAndPerFormatMatchTheFormulas() {
    List<MetricRow> rows = fixture(new double[] {25, 25, 25, 25}, 3);

    String views = PrevalenceMetrics.MODEL + PrevalenceMetrics.BY_VIEWS;
    assertEstimate(find(rows, views, "all", "all"), "prevalence", 1250.0 / 3500, 0.0918058361, 0.7532848466, 6);
    assertEstimate(find(rows, views, "format", "video"), "prevalence", 1250.0 / 1750, 0.2202032588, 0.9567714645, 3);
    assertEstimate(find(rows, views, "format", "photo"), "prevalence", 0, 0, 0.7831251529, 3);
    assertEstimate(find(rows, views, "stratum", "A"), "prevalence_slices", 0.1, 0.0124090901, 0.4955976448, 4);
    assertEstimate(find(rows, "prevalence", "stratum", "A"), "prevalence_slices", 0.25, 0.0380033788, 0.7377121783, 4);
    assertEstimate(find(rows, "prevalence", "stratum", "B"), "prevalence_slices", 0.5, 0.0596433315, 0.9403566685, 2);
    // b1 is B's only item with views and it violates: every view of B is violative, [0.05^(1/1), 1]
    assertEstimate(find(rows, views, "stratum", "B"), "prevalence_slices", 1, 0.05, 1, 2);
    // the whole-run item figure is the stratified one (ReportStageTest pins its arithmetic)
    assertThat(find(rows, "prevalence", "all", "all").value()).isCloseTo(100.0 / 120 * 0.25 + 20.0 / 120 * 0.5, within(1e-12));

    // a null label is no label: category d has no rows at all
    assertThat(rows).noneMatch(r -> r.category().equals("d"));
    // only stratum B (2 items) is below 3 items; formats hold 3 each
    assertThat(rows.stream().filter(r -> r.metric().endsWith("low_n_warning")).toList())
        .singleElement()
        .satisfies(w -> {
          assertThat(w.metric()).isEqualTo("prevalence_low_n_warning");
          assertThat(w.report()).isEqualTo("prevalence_slices");
          assertThat(w.sliceKey() + "=" + w.sliceValue()).isEqualTo("stratum=B");
          assertThat(w.value()).isEqualTo(1.0);
          assertThat(w.n()).isEqualTo(2);
        });
    assertThat(fixture(new double[] {25, 25, 25, 25}, 30).stream().filter(r -> r.metric().endsWith("low_n_warning")))
        .hasSize(4); // both formats and both strata
  }

  /**
   * Unequal weights within stratum A (10, 20, 30, 40, as a view-weighted draw gives): the whole-run
   * item figure is the linearised ratio Σw·y / Σw = (10 + 10) / 120 with its Taylor variance, not
   * the stratified estimator (which would ignore the weights within A): CI [.033497, .535780].
   */
  @Test
  void unequalWeightsWithinAStratumUseTheLinearisedRatio() {
    List<MetricRow> rows = fixture(new double[] {10, 20, 30, 40}, 3);
    assertEstimate(find(rows, "prevalence", "all", "all"), "prevalence", 20.0 / 120, 0.0334966007, 0.5357799946, 6);
  }

  /**
   * The violative view rate through the real pipeline, 200 times: a generated corpus of 4,000 items
   * in 4 strata (2–20% violating; log-normal views, violating items seen about twice as much) is
   * copied once per repetition (the copy's number prefixes the ids, so the seeded hash draws
   * independently, and is the "category", so each copy is estimated on its own); {@link
   * ViewWeightedDraw} draws 100 items per stratum from every copy in one pass, Spark tallies and
   * the estimator estimates. The 95% interval must cover the corpus's true rate in at least 93% of
   * the repetitions, and the mean estimate must sit within 3 standard errors of the truth (the
   * weights are right). Per-stratum intervals are printed, not asserted (a stratum's 100 items
   * hold as few as 2 violations).
   */
  @Test
  void viewRateIntervalsFromRepeatedViewWeightedDrawsCoverTheTruth() {
    int repetitions = 200;
    Dataset<Row> base = spark.range(0, 4_000, 1, 1)
        .withColumn("h", pmod(col("id"), lit(4)))
        .withColumn("violating", rand(11).lt(when(col("h").equalTo(0), 0.02).when(col("h").equalTo(1), 0.05)
            .when(col("h").equalTo(2), 0.10).otherwise(0.20)))
        .withColumn("views", floor(exp(lit(5.0).plus(randn(12).multiply(1.2))
            .plus(when(col("violating"), 0.7).otherwise(0.0)))).cast("long"))
        .localCheckpoint(true);
    Map<String, Double> truth = new TreeMap<>();
    for (Row r : base.groupBy(concat(lit("s"), col("h").cast("string")).as("s"))
        .agg(sum(when(col("violating"), col("views")).otherwise(0L)).as("v"), sum("views").as("all"))
        .collectAsList()) {
      truth.put(r.getString(0), (double) r.getLong(1) / r.getLong(2));
    }
    Row total = base.agg(sum(when(col("violating"), col("views")).otherwise(0L)), sum("views")).first();
    double viewTruth = (double) total.getLong(0) / total.getLong(1);

    Dataset<Row> copies = base.crossJoin(spark.range(repetitions).withColumnRenamed("id", "rep"))
        .withColumn("content_id", concat(lit("r"), col("rep").cast("string"), lit("-"), col("id").cast("string")))
        .withColumn("category", concat(lit("r"), col("rep").cast("string")))
        .withColumn("stratum", concat(col("category"), lit("|s"), col("h").cast("string")))
        .withColumn("format", when(pmod(col("id"), lit(3)).equalTo(0), lit("video")).otherwise(lit("photo")));
    Map<String, Long> population = new TreeMap<>();
    Map<String, Long> allocation = new TreeMap<>();
    for (int rep = 0; rep < repetitions; rep++) {
      for (int h = 0; h < 4; h++) {
        population.put("r" + rep + "|s" + h, 1_000L);
        allocation.put("r" + rep + "|s" + h, 100L);
      }
    }
    Dataset<Row> sample = ViewWeightedDraw.draw(copies.select("content_id", "stratum", "views"), population,
        allocation, 2024, "r");
    List<MetricRow> rows = PrevalenceMetrics.metricRows("r", PrevalenceMetrics.MODEL, PrevalenceMetrics.collect(
        PrevalenceMetrics.tallies(copies.select(col("content_id"), col("category"), col("violating").as("label")),
            sample, copies.select("content_id", "format", "views"))), 30);

    int covered = 0;
    int strataCovered = 0;
    double sum = 0;
    double sumSquares = 0;
    for (int rep = 0; rep < repetitions; rep++) {
      String copy = "r" + rep;
      List<MetricRow> mine = rows.stream().filter(r -> r.category().equals(copy)).toList();
      MetricRow e = find(mine, "prevalence_by_views", "all", "all");
      assertThat(e.n()).isEqualTo(400);
      covered += e.ciLow() <= viewTruth && viewTruth <= e.ciHigh() ? 1 : 0;
      sum += e.value();
      sumSquares += e.value() * e.value();
      for (int h = 0; h < 4; h++) {
        MetricRow s = find(mine, "prevalence_by_views", "stratum", copy + "|s" + h);
        double t = truth.get("s" + h);
        strataCovered += s.ciLow() <= t && t <= s.ciHigh() ? 1 : 0;
      }
    }
    double mean = sum / repetitions;
    double standardError = Math.sqrt((sumSquares / repetitions - mean * mean) / (repetitions - 1));
    System.out.printf("view-weighted draws through Spark: violative view rate (truth %.4f) covered %d of %d,"
        + " mean estimate %.4f (standard error of the mean %.4f); per stratum covered %d of %d%n", viewTruth, covered,
        repetitions, mean, standardError, strataCovered, 4 * repetitions);
    assertThat(covered).isGreaterThanOrEqualTo((int) Math.ceil(0.93 * repetitions));
    assertThat(Math.abs(mean - viewTruth)).isLessThan(3 * standardError);
  }
}
