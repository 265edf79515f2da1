package io.ecolens.tables;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The metrics ecolens's own stages write, with the report (section of {@code metrics}) each lives
 * in, and which of them are simple proportions k/n that a two-proportion test can compare.
 * Metrics of other reports (e.g. diversity) are gated by naming their {@code report} explicitly.
 */
public final class KnownMetrics {
  /** The report of run-over-run comparisons, written by the gate stage; never itself gated. */
  public static final String COMPARISON_REPORT = "comparison";
  /** The report of the model's agreement with the human labels over the whole sample, per category. */
  public static final String AGREEMENT_REPORT = "agreement";
  private static final Map<String, String> REPORTS = new TreeMap<>();
  /** Proportions k/n whose n is the denominator: compared with the two-proportion z-test. */
  private static final Set<String> PROPORTIONS = Set.of(
      "prevalence", "human_prevalence", "precision", "recall", "accuracy", "specificity", "fpr",
      "human_precision", "human_recall", "annotator_accuracy", "reliability_observed");

  static {
    for (String m : new String[] {"prevalence", "human_prevalence"}) {
      REPORTS.put(m, "prevalence");
    }
    for (String m : new String[] {"precision", "recall", "f1", "accuracy", "specificity", "fpr", "kappa",
        "average_precision", "roc_auc", "tp", "fp", "fn", "tn", "human_precision", "human_recall", "human_f1",
        "human_kappa"}) {
      REPORTS.put(m, AGREEMENT_REPORT);
    }
    for (String m : new String[] {"ece", "brier"}) {
      REPORTS.put(m, "agreement_curves");
    }
    for (String m : new String[] {"fleiss_kappa", "krippendorff_alpha", "annotator_accuracy"}) {
      REPORTS.put(m, "human_agreement");
    }
    for (String m : new String[] {"items", "cached_items", "error_rows", "cost_usd", "input_tokens", "output_tokens",
        "batch_cost_usd", "online_cost_usd", "batch_saving_usd", "awaiting_batch_items"}) {
      REPORTS.put(m, "score");
    }
    for (String m : new String[] {"f1_loss", "calls_saved_share"}) {
      REPORTS.put(m, "cascade_fit"); // a cascade's bands fitted on its pilot
    }
    for (String m : new String[] {"read", "accepted", "quarantined", "duplicates", "labels_read", "labels_loaded"}) {
      REPORTS.put(m, "ingest");
    }
    for (String m : new String[] {"population", "sampled"}) {
      REPORTS.put(m, "sample");
    }
  }

  private KnownMetrics() {}

  /** The report that writes {@code metric}, or null when ecolens's stages do not write it. */
  public static String reportOf(String metric) {
    return REPORTS.get(metric);
  }

  /** Every known metric name, sorted. */
  public static Set<String> names() {
    return REPORTS.keySet();
  }

  /** True when the metric is a proportion k/n with n in the {@code n} column. */
  public static boolean isProportion(String metric) {
    return PROPORTIONS.contains(metric);
  }
}
