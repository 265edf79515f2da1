package io.ecolens.bench;

import io.ecolens.evaluate.AgreementMetrics;
import io.ecolens.run.MetricRows;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Row;

/**
 * The agreement figures two engines must agree on, keyed {@code "figure category slice_key=slice_value"}:
 * exact counts (confusion tp/fp/fn/tn per category x slice value; the threshold sweep's tp, fp and
 * predicted positives per category x threshold over the whole run; items and positives per
 * reliability bin) and real values (average precision and ROC AUC per category x slice value, mean
 * score per reliability bin, Brier score per category). Categories micro and macro and the
 * intervals are left out: they are arithmetic on these.
 */
record AgreementFigures(Map<String, Long> counts, Map<String, Double> values) {

  AgreementFigures() {
    this(new TreeMap<>(), new TreeMap<>());
  }

  static String key(String figure, String category, String sliceKey, String sliceValue) {
    return figure + " " + category + " " + sliceKey + "=" + sliceValue;
  }

  /** The slice value ecolens writes for sweep step {@code i} of {@code steps}. */
  static String threshold(int i, int steps) {
    return String.format(Locale.ROOT, "%.4f", (double) i / steps);
  }

  /** The slice value ecolens writes for reliability bin {@code b} of {@code bins}. */
  static String scoreBin(int b, int bins) {
    return String.format(Locale.ROOT, "%.2f-%.2f", (double) b / bins, (double) (b + 1) / bins);
  }

  /**
   * The figures in ecolens's metric rows (the sections of {@link AgreementMetrics#compute}). The sweep
   * and reliability rows hold rates; their counts come back exactly as round(rate x n), n being the
   * row's denominator (recall: positives, fpr: negatives, observed: items).
   */
  static AgreementFigures of(Map<String, MetricRows> sections) {
    AgreementFigures f = new AgreementFigures();
    for (String section : List.of(AgreementMetrics.WHOLE, AgreementMetrics.SLICES)) {
      for (Row r : sections.get(section).rows()) {
        String metric = r.getString(2);
        String category = r.getString(3);
        if (category.equals("micro") || category.equals("macro")) {
          continue;
        }
        String key = key(metric, category, r.getString(4), r.getString(5));
        switch (metric) {
          case "tp", "fp", "fn", "tn" -> f.counts.put(key, (long) r.getDouble(6));
          case "average_precision", "roc_auc" -> f.values.put(key, r.getDouble(6));
          default -> { }
        }
      }
    }
    for (Row r : sections.get(AgreementMetrics.CURVES).rows()) {
      String metric = r.getString(2);
      String category = r.getString(3);
      String sliceKey = r.getString(4);
      String sliceValue = r.getString(5);
      double value = r.getDouble(6);
      long n = r.getLong(9);
      long count = n == 0 ? 0 : Math.round(value * n);
      switch (sliceKey + " " + metric) {
        case "threshold precision" -> f.counts.put(key("sweep_predicted", category, sliceKey, sliceValue), n);
        case "threshold recall" -> f.counts.put(key("sweep_tp", category, sliceKey, sliceValue), count);
        case "threshold fpr" -> f.counts.put(key("sweep_fp", category, sliceKey, sliceValue), count);
        case "score_bin reliability_observed" -> {
          f.counts.put(key("bin_n", category, sliceKey, sliceValue), n);
          f.counts.put(key("bin_positives", category, sliceKey, sliceValue), count);
        }
        case "score_bin reliability_mean_score" -> f.values.put(key("bin_mean_score", category, sliceKey, sliceValue), value);
        case "all brier" -> f.values.put(key("brier", category, sliceKey, sliceValue), value);
        default -> { }
      }
    }
    return f;
  }

  /** Every figure that is missing on one side, or differs (counts at all, values by more than {@code tolerance}). */
  List<String> differences(AgreementFigures other, double tolerance) {
    List<String> out = new ArrayList<>();
    Set<String> keys = new TreeSet<>(counts.keySet());
    keys.addAll(other.counts.keySet());
    for (String k : keys) {
      Long a = counts.get(k);
      Long b = other.counts.get(k);
      if (a == null || !a.equals(b)) {
        out.add(k + ": " + a + " vs " + b);
      }
    }
    keys = new TreeSet<>(values.keySet());
    keys.addAll(other.values.keySet());
    for (String k : keys) {
      Double a = values.get(k);
      Double b = other.values.get(k);
      if (a == null || b == null || !(Math.abs(a - b) <= tolerance)) {
        out.add(k + ": " + a + " vs " + b);
      }
    }
    return out;
  }

  /** The largest absolute difference between two engines' values (for the log; 0 when none is shared). */
  double largestValueDifference(AgreementFigures other) {
    double max = 0;
    for (Map.Entry<String, Double> e : values.entrySet()) {
      Double b = other.values.get(e.getKey());
      if (b != null) {
        max = Math.max(max, Math.abs(e.getValue() - b));
      }
    }
    return max;
  }
}
