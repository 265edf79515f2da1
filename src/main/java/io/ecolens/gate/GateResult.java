package io.ecolens.gate;

import io.ecolens.config.GateSpec;

/**
 * The outcome of one gate for one run. {@code status} is {@code passed}, {@code failed} or
 * {@code no_baseline} (no earlier run to compare with: the gate passes). Figures are null where
 * the run or the baseline lacks them.
 */
public record GateResult(GateSpec gate, String status, String baselineRun, Double baselineValue,
    Double currentValue, Double delta, Double relativeChange, Double pValue, Boolean significant, String message) {

  public static final String PASSED = "passed";
  public static final String FAILED = "failed";
  public static final String NO_BASELINE = "no_baseline";

  /** True when the gate failed. */
  public boolean failed() {
    return FAILED.equals(status);
  }
}
