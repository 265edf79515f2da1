package io.ecolens.report;

import io.ecolens.config.GateSpec;
import org.apache.spark.sql.Row;

/**
 * One gate's outcome for the run, as the gates stage wrote it to {@code gate_results}.
 *
 * @param gate the gate as configured, e.g. {@code f1 [hate_speech] max-drop 0.03}
 * @param status passed, failed, no_baseline or no_data
 */
record GateOutcome(String gate, String status, String baselineRun, Double baselineValue, Double currentValue,
    Double delta, Double pValue, String message) {

  /** Status of a gate that failed (as {@code gate.GateResult.FAILED}). */
  static final String FAILED = "failed";

  /** Status of a gate whose figure had no data (as {@code gate.GateResult.NO_DATA}). */
  static final String NO_DATA = "no_data";

  /** True when the gate failed: as {@code gate.GateResult.failed()}, read from the stored outcome. */
  boolean failed() {
    return FAILED.equals(status)
        || (NO_DATA.equals(status) && (gate == null || !gate.contains(GateSpec.NO_DATA_PASSES)));
  }

  /** Reads a row shaped like {@code gate_results}, columns by name. */
  static GateOutcome of(Row row) {
    return new GateOutcome(row.getAs("gate"), row.getAs("status"), row.getAs("baseline_run_id"),
        row.getAs("baseline_value"), row.getAs("current_value"), row.getAs("delta"), row.getAs("p_value"),
        row.getAs("message"));
  }
}
