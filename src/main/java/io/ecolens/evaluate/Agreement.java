package io.ecolens.evaluate;

/**
 * Agreement figures from one confusion matrix. Zero divisions follow scikit-learn's
 * {@code zero_division=0}: precision with no predicted positives, recall with no actual positives
 * and F1 with neither are 0. Intervals are Wilson score intervals (95%) for the proportions.
 */
public record Agreement(long tp, long fp, long fn, long tn) {
  private static final double Z = 1.959963984540054;

  public long n() {
    return tp + fp + fn + tn;
  }

  public double precision() {
    return ratio(tp, tp + fp);
  }

  public double recall() {
    return ratio(tp, tp + fn);
  }

  public double f1() {
    return ratio(2 * tp, 2 * tp + fp + fn);
  }

  public double accuracy() {
    return ratio(tp + tn, n());
  }

  public double specificity() {
    return ratio(tn, tn + fp);
  }

  /** Wilson interval for {@code successes / trials}; [0, 0] when there are no trials. */
  public static double[] wilson(long successes, long trials) {
    if (trials == 0) {
      return new double[] {0, 0};
    }
    double p = (double) successes / trials;
    double z2 = Z * Z;
    double denom = 1 + z2 / trials;
    double centre = (p + z2 / (2.0 * trials)) / denom;
    double half = Z * Math.sqrt(p * (1 - p) / trials + z2 / (4.0 * trials * trials)) / denom;
    return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
  }

  /** Sums two matrices (micro averaging). */
  public Agreement plus(Agreement o) {
    return new Agreement(tp + o.tp, fp + o.fp, fn + o.fn, tn + o.tn);
  }

  private static double ratio(long num, long den) {
    return den == 0 ? 0.0 : (double) num / den;
  }
}
