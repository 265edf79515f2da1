package io.ecolens.gate;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The tests behind a run-over-run delta. Pure functions.
 *
 * <ul>
 *   <li>Proportions with their n: the two-proportion z-test with the pooled proportion,
 *       z = (p₂ − p₁) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)), two-sided p-value.
 *   <li>Figures with only a 95% interval: significant when the two intervals do not overlap (a
 *       conservative test: non-overlapping 95% intervals mean p &lt; 0.006 for equal errors).
 *   <li>The 95% interval of the difference, whenever both figures have one: MOVER (Newcombe 1998,
 *       Zou and Donner 2008), which recovers the difference's interval from the two intervals and
 *       so keeps their shape (Wilson, logit, ...) instead of assuming symmetry.
 * </ul>
 */
public final class Significance {
  private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

  private Significance() {}

  /**
   * Two-sided p-value of the two-proportion z-test of p₁ (of n₁ items) against p₂ (of n₂); NaN when
   * either n is below 1 or a proportion lies outside 0..1.
   */
  public static double twoProportionP(double p1, long n1, double p2, long n2) {
    if (n1 < 1 || n2 < 1 || p1 < 0 || p1 > 1 || p2 < 0 || p2 > 1) {
      return Double.NaN;
    }
    double pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
    if (se == 0) {
      return p1 == p2 ? 1.0 : 0.0;
    }
    double z = Math.abs(p2 - p1) / se;
    return Math.min(1.0, 2 * (1 - STANDARD_NORMAL.cumulativeProbability(z)));
  }

  /** True when the intervals [low1, high1] and [low2, high2] share no point. */
  public static boolean disjoint(double low1, double high1, double low2, double high2) {
    return high1 < low2 || high2 < low1;
  }

  /**
   * MOVER interval of θ₂ − θ₁ from each estimate's own interval: {low, high}.
   */
  public static double[] differenceInterval(double theta1, double low1, double high1, double theta2, double low2,
      double high2) {
    double delta = theta2 - theta1;
    double lower = delta - Math.sqrt(square(theta2 - low2) + square(high1 - theta1));
    double upper = delta + Math.sqrt(square(high2 - theta2) + square(theta1 - low1));
    return new double[] {lower, upper};
  }

  private static double square(double x) {
    return x * x;
  }
}
