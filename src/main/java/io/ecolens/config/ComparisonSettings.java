package io.ecolens.config;

/**
 * Run-over-run comparison, under {@code comparison:} in the config. {@code baseline-run} names the
 * run to compare with (default: the latest earlier run that succeeded, has metrics and failed no
 * gate); {@code alpha} is the significance level of the tests (default 0.05); {@code enabled: false}
 * skips the comparison and the gates.
 */
public record ComparisonSettings(Boolean enabled, String baselineRun, Double alpha) {

  public ComparisonSettings {
    enabled = enabled == null || enabled;
    alpha = alpha == null ? 0.05 : alpha;
  }

  /** The defaults. */
  public static ComparisonSettings defaults() {
    return new ComparisonSettings(null, null, null);
  }
}
