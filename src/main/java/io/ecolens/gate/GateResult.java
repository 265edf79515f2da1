package io.ecolens.gate;

import io.ecolens.config.GateSpec;

/**
 * The outcome of one gate for one run. {@code status} is {@code passed}, {@code failed},
 * {@code no_baseline} (no earlier run to compare with: the gate passes) or {@code no_data} (the run
 * has no data for the figure, e.g. no scored items: the gate fails unless its {@code on-no-data}
 * is {@code pass}). Figures are null where the run or the baseline lacks them.
 */
public record GateResult(GateSpec gate, String status, String baselineRun, Double baselineValue,
    Double currentValue, Double delta, Double relativeChange, Double pValue, Boolean significant, String message) {

  public static final String PASSED = "passed";
  public static final String FAILED = "failed";
  public static final String NO_BASELINE = "no_baseline";
  public static final String NO_DATA = "no_data";

  /** True when the gate failed: its figure moved past a limit, is missing, or has no data and the gate requires it. */
  public boolean failed() {
    return FAILED.equals(status) || (NO_DATA.equals(status) && gate.failsWithoutData());
  }

  /** True when the run had no data for the gate's figure. */
  public boolean noData() {
    return NO_DATA.equals(status);
  }
}
