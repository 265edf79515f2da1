package io.ecolens.evaluate;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.tables.KnownMetrics;
import io.ecolens.run.MetricRows;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * Model-versus-human agreement figures from an evaluations frame (category, model_label,
 * model_score, human_label, plus the slice columns), by Spark: the rows are counted per category ×
 * slice value × model label × distinct score, and each category × slice value's counts are
 * streamed in score order through {@link SliceStream} inside the executors, which adds up the
 * confusion counts, AP and ROC AUC ({@link Ranking}) and, for the whole run, the threshold sweep
 * and the reliability bins. Only figures (one {@link SliceFigures} per category × slice value)
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

    // Two aggregations: the rows are grouped once by category x model label x score x every slice
    // column (a pass over the rows that shrinks them to the distinct combinations), and those groups
    // are fanned out to each slice (the whole run, then each slice column) and summed again. Confusion
    // counts, the score histograms (AP, ROC AUC), the threshold sweep and the reliability bins are all
    // sums over the result: positive and negative human labels per slice x category x model label x score.
    List<Column> keys = new ArrayList<>(List.of(col("category"), col("model_label"), col("model_score")));
    List<Column> slices = new ArrayList<>();
    slices.add(struct(lit("all").as("k"), lit("all").as("v")));
    for (String s : o.slices()) {
      keys.add(coalesce(col(s).cast("string"), lit("unknown")).as(s));
      slices.add(struct(lit(s).as("k"), col(s).as("v")));
    }
    Dataset<Row> combinations = evaluations
        .filter(col("human_label").isNotNull().and(col("model_label").isNotNull()))
        .groupBy(keys.toArray(Column[]::new)).agg(
            sum(when(col("human_label"), 1L).otherwise(0L)).as("pos"),
            sum(when(col("human_label"), 0L).otherwise(1L)).as("neg"));
    Dataset<Row> counts = combinations
        .select(col("category"), col("model_label"), col("model_score"), col("pos"), col("neg"),
            explode(array(slices.toArray(Column[]::new))).as("s"))
        .groupBy(col("category"), col("s.k").as("slice_key"), col("s.v").as("slice_value"), col("model_label"),
            col("model_score"))
        .agg(sum("pos").as("pos"), sum("neg").as("neg"));
    // ... streamed in score order per category x slice value inside the executors (SliceStream):
    // one row of figures per category x slice value reaches the driver.
    List<SliceFigures> figures = counts
        .repartition(col("category"), col("slice_key"), col("slice_value"))
        .sortWithinPartitions(col("category"), col("slice_key"), col("slice_value"), col("model_score").desc())
        .mapPartitions(new SliceStream(o.sweepSteps(), o.calibrationBins()), Encoders.bean(SliceFigures.class))
        .collectAsList();
    return sections(figures, categories, o, out);
  }

  /** The sections' rows from the figures of every category x slice value. */
  private static Map<String, MetricRows> sections(List<SliceFigures> figures, List<String> categories, Options o,
      Map<String, MetricRows> out) {
    Map<String, Map<String, SliceFigures>> bySlice = new TreeMap<>(); // "key\0value" -> category -> figures
    for (SliceFigures f : figures) {
      bySlice.computeIfAbsent(f.getSliceKey() + "\u0000" + f.getSliceValue(), k -> new TreeMap<>())
          .put(f.getCategory(), f);
    }
    // Every category appears in the whole-run slice; one without labelled items writes no rows.
    Map<String, SliceFigures> whole = bySlice.computeIfAbsent("all\u0000all", k -> new TreeMap<>());
    categories.forEach(c -> whole.putIfAbsent(c, new SliceFigures(c, "all", "all")));

    bySlice.forEach((slice, byCategory) -> {
      String[] kv = slice.split("\u0000", 2);
      boolean isWhole = kv[0].equals("all");
      MetricRows rows = out.get(isWhole ? WHOLE : SLICES);
      Agreement micro = new Agreement(0, 0, 0, 0);
      double[] macro = new double[3];
      int withData = 0;
      for (Map.Entry<String, SliceFigures> e : byCategory.entrySet()) {
        Agreement a = e.getValue().agreement();
        if (a.n() == 0) {
          continue; // no figure from no data: a category without labelled pairs gets no rows
        }
        withData++;
        addConfusion(rows, e.getKey(), kv[0], kv[1], a);
        if (e.getValue().scored()) {
          addRanking(rows, e.getKey(), kv[0], kv[1], e.getValue());
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

    whole.values().forEach(f -> {
      sweep(f, o.sweepSteps(), out.get(CURVES));
      calibration(f, o.calibrationBins(), out.get(CURVES));
    });
    return out;
  }

  /**
   * Precision, recall and FPR of one category over the whole run at thresholds 0, 1/steps, ..., 1
   * (predicted positive when score ≥ t).
   */
  static void sweep(SliceFigures f, int steps, MetricRows rows) {
    Agreement a = f.agreement();
    long positives = a.tp() + a.fn();
    long negatives = a.fp() + a.tn();
    if (a.n() == 0) {
      return;
    }
    for (int i = 0; i <= steps; i++) {
      long tp = f.getSweepTp()[i];
      long fp = f.getSweepFp()[i];
      String t = String.format(Locale.ROOT, "%.4f", (double) i / steps);
      // precision with nothing predicted positive is 1 here, as the last point of scikit-learn's PR curve
      double precision = tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
      rows.add("precision", f.getCategory(), "threshold", t, precision, null, null, tp + fp);
      rows.add("recall", f.getCategory(), "threshold", t, positives == 0 ? 0 : (double) tp / positives, null, null,
          positives);
      rows.add("fpr", f.getCategory(), "threshold", t, negatives == 0 ? 0 : (double) fp / negatives, null, null,
          negatives);
    }
  }

  /** ECE, Brier score and reliability bins of one category over the whole run's scored items. */
  static void calibration(SliceFigures f, int bins, MetricRows rows) {
    List<Calibration.Bin> list = new ArrayList<>();
    double squaredError = 0;
    for (int b = 0; b < f.getBinItems().length; b++) {
      if (f.getBinItems()[b] > 0) {
        list.add(new Calibration.Bin(b, f.getBinItems()[b], f.getBinScoreSum()[b], f.getBinPositives()[b]));
        squaredError += f.getBinSquaredError()[b];
      }
    }
    if (list.isEmpty()) {
      return;
    }
    String category = f.getCategory();
    long n = list.stream().mapToLong(Calibration.Bin::n).sum();
    rows.add("ece", category, "all", "all", Calibration.expectedCalibrationError(list), null, null, n);
    rows.add("brier", category, "all", "all", squaredError / n, null, null, n);
    for (Calibration.Bin b : list) {
      String label = String.format(Locale.ROOT, "%.2f-%.2f", (double) b.index() / bins, (double) (b.index() + 1) / bins);
      double[] ci = Agreement.wilson(b.positives(), b.n());
      rows.add("reliability_observed", category, "score_bin", label, b.observed(), ci[0], ci[1], b.n());
      rows.add("reliability_mean_score", category, "score_bin", label, b.meanScore(), null, null, b.n());
    }
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

  private static void addRanking(MetricRows rows, String category, String key, String value, SliceFigures rr) {
    long n = rr.getScoredPositives() + rr.getScoredNegatives();
    double[] apCi = Ranking.logitInterval(rr.getAveragePrecision(), rr.getScoredPositives());
    rows.add("average_precision", category, key, value, rr.getAveragePrecision(),
        apCi == null ? null : apCi[0], apCi == null ? null : apCi[1], n);
    if (!Double.isNaN(rr.getRocAuc())) {
      double[] ci = Ranking.hanleyMcNeil(rr.getRocAuc(), rr.getScoredPositives(), rr.getScoredNegatives());
      rows.add("roc_auc", category, key, value, rr.getRocAuc(), ci[0], ci[1], n);
    }
  }
}
