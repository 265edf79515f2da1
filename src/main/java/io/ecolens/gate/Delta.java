package io.ecolens.gate;

import io.ecolens.tables.FigureKey;

/**
 * One figure compared across two runs: current − baseline, the 95% interval of the difference
 * (null without intervals on both sides), the p-value (null unless a two-proportion test applied),
 * and whether the change is significant (null when no test applies).
 *
 * @param method {@code z_test}, {@code interval_overlap} or {@code none}
 */
public record Delta(FigureKey key, Figure baseline, Figure current, double delta, Double ciLow, Double ciHigh,
    Double pValue, Boolean significant, String method) {

  /** Change relative to the baseline value: +0.5 is +50%; ±infinity from a baseline of 0, 0 when both are 0. */
  public double relative() {
    if (baseline.value() == 0) {
      return delta == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, delta);
    }
    return delta / Math.abs(baseline.value());
  }
}
