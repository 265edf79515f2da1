package io.ecolens.evaluate;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.tables.KnownMetrics;
import io.ecolens.run.MetricRows;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Model-versus-human agreement figures from an evaluations frame (category, model_label,
 * model_score, human_label, plus the slice columns), all by Spark aggregation: confusion counts
 * per category × slice; a histogram per category × slice × distinct score, streamed in score
 * order through {@link Ranking} inside the executors for AP and ROC AUC; a threshold sweep and
 * reliability bins per category. Only figures (one row per category × slice, threshold or bin)
 * reach the driver.
 *
 * <p>Sections written: {@code agreement} (whole run, per category plus micro and macro),
 * {@code agreement_slices} (the same per slice value, with a {@code low_n_warning} row = 1 where a
 * slice has fewer than the configured items), {@code agreement_curves} (precision / recall / fpr
 * with slice_key {@code threshold}; {@code ece}, {@code brier}, and {@code reliability_observed} /
 * {@code reliability_mean_score} with slice_key {@code score_bin}).
 */
public final class AgreementMetrics {
  public static final String WHOLE = KnownMetrics.AGREEMENT_REPORT;
  public static final String SLICES = "agreement_slices";
  public static final String CURVES = "agreement_curves";

  private AgreementMetrics() {}

  /** Settings of one computation. */
  public record Options(List<String> slices, int minSliceItems, int sweepSteps, int calibrationBins) {}

  /** Metric rows per section. */
  public static Map<String, MetricRows> compute(Dataset<Row> evaluations, List<String> categories, Options o,
      String runId) {
    Map<String, MetricRows> out = new LinkedHashMap<>();
    out.put(WHOLE, new MetricRows(runId, WHOLE));
    out.put(SLICES, new MetricRows(runId, SLICES));
    out.put(CURVES, new MetricRows(runId, CURVES));

    List<Column> slices = new ArrayList<>();
    slices.add(struct(lit("all").as("k"), lit("all").as("v")));
    for (String s : o.slices()) {
      slices.add(struct(lit(s).as("k"), coalesce(col(s).cast("string"), lit("unknown")).as("v")));
    }
    Dataset<Row> labelled = evaluations.filter(col("human_label").isNotNull().and(col("model_label").isNotNull()));
    Dataset<Row> sliced = labelled
        .select(col("category"), col("model_label"), col("model_score"), col("human_label"),
            explode(array(slices.toArray(Column[]::new))).as("s"))
        .select(col("category"), col("s.k").as("slice_key"), col("s.v").as("slice_value"),
            col("model_label"), col("model_score"), col("human_label"));

    // One aggregation of the rows: positive and negative human labels per slice x category x model
    // label x score. Confusion counts, the score histograms (AP, ROC AUC) and the threshold sweep are
    // all sums over it, so the rows are grouped once.
    Dataset<Row> counts = sliced.groupBy("slice_key", "slice_value", "category", "model_label", "model_score").agg(
            sum(when(col("human_label"), 1L).otherwise(0L)).as("pos"),
            sum(when(col("human_label"), 0L).otherwise(1L)).as("neg"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return figures(counts, sliced, categories, o, out);
    } finally {
      counts.unpersist();
    }
  }

  /** The sections' rows from {@code counts} (see above); calibration reads the rows themselves. */
  private static Map<String, MetricRows> figures(Dataset<Row> counts, Dataset<Row> sliced, List<String> categories,
      Options o, Map<String, MetricRows> out) {
    // Confusion counts per category x slice.
    Map<String, Map<String, Agreement>> confusion = new TreeMap<>(); // "key\0value" -> category -> matrix
    for (Row r : counts.groupBy("slice_key", "slice_value", "category").agg(
            sum(when(col("model_label"), col("pos")).otherwise(0L)).as("tp"),
            sum(when(col("model_label"), col("neg")).otherwise(0L)).as("fp"),
            sum(when(col("model_label").unary_$bang(), col("pos")).otherwise(0L)).as("fn"),
            sum(when(col("model_label").unary_$bang(), col("neg")).otherwise(0L)).as("tn"))
        .collectAsList()) { // one row per slice value x category
      confusion.computeIfAbsent(r.getString(0) + "\u0000" + r.getString(1), k -> new TreeMap<>())
          .put(r.getString(2), new Agreement(r.getLong(3), r.getLong(4), r.getLong(5), r.getLong(6)));
    }
    // Every category appears in the whole-run slice; one without labelled items writes no rows.
    Map<String, Agreement> whole = confusion.computeIfAbsent("all\u0000all", k -> new TreeMap<>());
    categories.forEach(c -> whole.putIfAbsent(c, new Agreement(0, 0, 0, 0)));

    Map<String, RankingResult> ranking = new TreeMap<>();
    for (RankingResult r : ranking(counts).collectAsList()) { // one row per category x slice value
      ranking.put(r.getSliceKey() + "\u0000" + r.getSliceValue() + "\u0000" + r.getCategory(), r);
    }

    confusion.forEach((slice, byCategory) -> {
      String[] kv = slice.split("\u0000", 2);
      boolean isWhole = kv[0].equals("all");
      MetricRows rows = out.get(isWhole ? WHOLE : SLICES);
      Agreement micro = new Agreement(0, 0, 0, 0);
      double[] macro = new double[3];
      int withData = 0;
      for (Map.Entry<String, Agreement> e : byCategory.entrySet()) {
        Agreement a = e.getValue();
        if (a.n() == 0) {
          continue; // no figure from no data: a category without labelled pairs gets no rows
        }
        withData++;
        addConfusion(rows, e.getKey(), kv[0], kv[1], a);
        RankingResult rr = ranking.get(slice + "\u0000" + e.getKey());
        if (rr != null) {
          addRanking(rows, e.getKey(), kv[0], kv[1], rr);
        }
        if (!isWhole && a.n() < o.minSliceItems()) {
          rows.add("low_n_warning", e.getKey(), kv[0], kv[1], 1.0, null, null, a.n());
        }
        micro = micro.plus(a);
        macro[0] += a.precision();
        macro[1] += a.recall();
        macro[2] += a.f1();
      }
      if (micro.n() == 0) {
        return;
      }
      addConfusion(rows, "micro", kv[0], kv[1], micro);
      int k = withData;
      rows.add("precision", "macro", kv[0], kv[1], macro[0] / k, null, null, micro.n());
      rows.add("recall", "macro", kv[0], kv[1], macro[1] / k, null, null, micro.n());
      rows.add("f1", "macro", kv[0], kv[1], macro[2] / k, null, null, micro.n());
    });

    sweep(counts.filter(col("slice_key").equalTo("all")), o.sweepSteps(), whole, out.get(CURVES));
    calibration(sliced.filter(col("slice_key").equalTo("all")), o.calibrationBins(), out.get(CURVES));
    return out;
  }

  /**
   * AP and ROC AUC per category x slice, streamed through sorted score histograms on the executors
   * ({@code counts}: pos and neg per slice x category x model label x score).
   */
  static Dataset<RankingResult> ranking(Dataset<Row> counts) {
    Dataset<Row> histogram = counts.filter(col("model_score").isNotNull())
        .groupBy("category", "slice_key", "slice_value", "model_score").agg(sum("pos").as("pos"), sum("neg").as("neg"));
    return histogram
        .repartition(col("category"), col("slice_key"), col("slice_value"))
        .sortWithinPartitions(col("category"), col("slice_key"), col("slice_value"), col("model_score").desc())
        .mapPartitions((MapPartitionsFunction<Row, RankingResult>) AgreementMetrics::stream,
            Encoders.bean(RankingResult.class));
  }

  private static Iterator<RankingResult> stream(Iterator<Row> rows) {
    List<RankingResult> out = new ArrayList<>();
    String[] current = null;
    Ranking ranking = null;
    while (rows.hasNext()) {
      Row r = rows.next();
      String[] key = {r.getString(0), r.getString(1), r.getString(2)};
      if (current == null || !java.util.Arrays.equals(current, key)) {
        if (current != null) {
          out.add(new RankingResult(current[0], current[1], current[2], ranking));
        }
        current = key;
        ranking = new Ranking();
      }
      ranking.add(r.getLong(4), r.getLong(5));
    }
    if (current != null) {
      out.add(new RankingResult(current[0], current[1], current[2], ranking));
    }
    return out.iterator();
  }

  /**
   * Precision, recall and FPR at thresholds 0, 1/steps, ..., 1 (predicted positive when score ≥ t),
   * from the whole run's {@code counts} (pos and neg per category x model label x score).
   */
  static void sweep(Dataset<Row> whole, int steps, Map<String, Agreement> totals, MetricRows rows) {
    List<Row> thresholds = new ArrayList<>();
    for (int i = 0; i <= steps; i++) {
      thresholds.add(org.apache.spark.sql.RowFactory.create(i, (double) i / steps));
    }
    Dataset<Row> grid = whole.sparkSession().createDataFrame(thresholds,
        new org.apache.spark.sql.types.StructType().add("step", "int").add("threshold", "double"));
    List<Row> counts = whole.filter(col("model_score").isNotNull())
        .join(broadcast(grid), col("model_score").geq(col("threshold")))
        .groupBy("category", "step").agg(sum("pos").as("tp"), sum("neg").as("fp"))
        .collectAsList(); // categories x (steps + 1) rows
    Map<String, Map<Integer, long[]>> byCategory = new TreeMap<>();
    for (Row r : counts) {
      byCategory.computeIfAbsent(r.getString(0), k -> new TreeMap<>()).put(r.getInt(1), new long[] {r.getLong(2), r.getLong(3)});
    }
    totals.forEach((category, a) -> {
      long positives = a.tp() + a.fn();
      long negatives = a.fp() + a.tn();
      if (a.n() == 0) {
        return;
      }
      Map<Integer, long[]> c = byCategory.getOrDefault(category, Map.of());
      for (int i = 0; i <= steps; i++) {
        long[] tpfp = c.getOrDefault(i, new long[2]);
        String t = String.format(Locale.ROOT, "%.4f", (double) i / steps);
        // precision with nothing predicted positive is 1 here, as the last point of scikit-learn's PR curve
        double precision = tpfp[0] + tpfp[1] == 0 ? 1.0 : (double) tpfp[0] / (tpfp[0] + tpfp[1]);
        rows.add("precision", category, "threshold", t, precision, null, null, tpfp[0] + tpfp[1]);
        rows.add("recall", category, "threshold", t, positives == 0 ? 0 : (double) tpfp[0] / positives, null, null, positives);
        rows.add("fpr", category, "threshold", t, negatives == 0 ? 0 : (double) tpfp[1] / negatives, null, null, negatives);
      }
    });
  }

  /** ECE, Brier score and reliability bins per category. */
  static void calibration(Dataset<Row> whole, int bins, MetricRows rows) {
    Column score = col("model_score");
    Column y = when(col("human_label"), 1.0).otherwise(0.0);
    Column bin = least(lit(bins - 1), greatest(lit(0), floor(score.multiply(bins)).cast("int")));
    List<Row> counts = whole.filter(score.isNotNull())
        .groupBy(col("category"), bin.as("bin")).agg(
            count(lit(1)).as("n"), sum(score).as("score_sum"), sum(y).as("positives"),
            sum(score.minus(y).multiply(score.minus(y))).as("squared_error"))
        .collectAsList(); // categories x bins rows
    Map<String, List<Calibration.Bin>> byCategory = new TreeMap<>();
    Map<String, double[]> brier = new TreeMap<>();
    for (Row r : counts) {
      byCategory.computeIfAbsent(r.getString(0), k -> new ArrayList<>())
          .add(new Calibration.Bin(r.getInt(1), r.getLong(2), r.getDouble(3), (long) r.getDouble(4)));
      brier.merge(r.getString(0), new double[] {r.getDouble(5), r.getLong(2)}, (a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
    }
    byCategory.forEach((category, list) -> {
      long n = list.stream().mapToLong(Calibration.Bin::n).sum();
      rows.add("ece", category, "all", "all", Calibration.expectedCalibrationError(list), null, null, n);
      rows.add("brier", category, "all", "all", brier.get(category)[0] / brier.get(category)[1], null, null, n);
      for (Calibration.Bin b : list) {
        String label = String.format(Locale.ROOT, "%.2f-%.2f", (double) b.index() / bins, (double) (b.index() + 1) / bins);
        double[] ci = Agreement.wilson(b.positives(), b.n());
        rows.add("reliability_observed", category, "score_bin", label, b.observed(), ci[0], ci[1], b.n());
        rows.add("reliability_mean_score", category, "score_bin", label, b.meanScore(), null, null, b.n());
      }
    });
  }

  static void addConfusion(MetricRows rows, String category, String key, String value, Agreement a) {
    double[] p = Agreement.wilson(a.tp(), a.tp() + a.fp());
    double[] r = Agreement.wilson(a.tp(), a.tp() + a.fn());
    double[] acc = Agreement.wilson(a.tp() + a.tn(), a.n());
    double[] spec = Agreement.wilson(a.tn(), a.tn() + a.fp());
    double[] fpr = Agreement.wilson(a.fp(), a.tn() + a.fp());
    double[] f1 = a.f1Interval();
    rows.add("precision", category, key, value, a.precision(), p[0], p[1], a.tp() + a.fp());
    rows.add("recall", category, key, value, a.recall(), r[0], r[1], a.tp() + a.fn());
    rows.add("f1", category, key, value, a.f1(), f1[0], f1[1], a.n());
    rows.add("accuracy", category, key, value, a.accuracy(), acc[0], acc[1], a.n());
    rows.add("specificity", category, key, value, a.specificity(), spec[0], spec[1], a.tn() + a.fp());
    rows.add("fpr", category, key, value, a.falsePositiveRate(), fpr[0], fpr[1], a.tn() + a.fp());
    double[] kci = a.kappaInterval();
    if (kci != null) {
      rows.add("kappa", category, key, value, a.kappa(), kci[0], kci[1], a.n());
    }
    rows.add("tp", category, key, value, a.tp(), null, null, a.n());
    rows.add("fp", category, key, value, a.fp(), null, null, a.n());
    rows.add("fn", category, key, value, a.fn(), null, null, a.n());
    rows.add("tn", category, key, value, a.tn(), null, null, a.n());
  }

  private static void addRanking(MetricRows rows, String category, String key, String value, RankingResult rr) {
    long n = rr.getPositives() + rr.getNegatives();
    double[] apCi = Ranking.logitInterval(rr.getAveragePrecision(), rr.getPositives());
    rows.add("average_precision", category, key, value, rr.getAveragePrecision(),
        apCi == null ? null : apCi[0], apCi == null ? null : apCi[1], n);
    if (!Double.isNaN(rr.getRocAuc())) {
      double[] ci = Ranking.hanleyMcNeil(rr.getRocAuc(), rr.getPositives(), rr.getNegatives());
      rows.add("roc_auc", category, key, value, rr.getRocAuc(), ci[0], ci[1], n);
    }
  }
}
