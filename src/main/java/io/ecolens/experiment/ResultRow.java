package io.ecolens.experiment;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/** One {@code experiment_results} row before the run's columns are added. */
public record ResultRow(String variant, String comparedTo, String category, String metric, double value,
    Double ciLow, Double ciHigh, long n, String method) {

  /** A figure of one variant alone. */
  static ResultRow of(String variant, String category, String metric, double value, double[] ci, long n,
      String method) {
    return new ResultRow(variant, "", category, metric, value, ci == null ? null : finite(ci[0]),
        ci == null ? null : finite(ci[1]), n, method);
  }

  /** The row in {@code experiment_results} column order. */
  Row toRow(String runId, String experiment, Leaderboard.VariantInfo v) {
    return RowFactory.create(runId, experiment, variant, comparedTo, category, metric, value, ciLow, ciHigh, n,
        method, v.scorer(), v.model(), v.policyVersion(), v.promptHash(), v.settingsJson(), v.runId());
  }

  private static Double finite(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? null : d;
  }
}
