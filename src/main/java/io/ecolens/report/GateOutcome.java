package io.ecolens.report;

import org.apache.spark.sql.Row;

/**
 * One gate's outcome for the run, as the gates stage wrote it to {@code gate_results}.
 *
 * @param gate the gate as configured, e.g. {@code f1 [hate_speech] max-drop 0.03}
 * @param status passed, failed or no_baseline
 */
record GateOutcome(String gate, String status, String baselineRun, Double baselineValue, Double currentValue,
    Double delta, Double pValue, String message) {

  /** Status of a gate that failed (as {@code gate.GateResult.FAILED}). */
  static final String FAILED = "failed";

  /** True when the gate failed. */
  boolean failed() {
    return FAILED.equals(status);
  }

  /** Reads a row shaped like {@code gate_results}, columns by name. */
  static GateOutcome of(Row row) {
    return new GateOutcome(row.getAs("gate"), row.getAs("status"), row.getAs("baseline_run_id"),
        row.getAs("baseline_value"), row.getAs("current_value"), row.getAs("delta"), row.getAs("p_value"),
        row.getAs("message"));
  }
}
