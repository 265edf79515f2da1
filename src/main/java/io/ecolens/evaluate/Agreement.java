package io.ecolens.evaluate;

/**
 * Agreement figures from one confusion matrix. Zero divisions follow scikit-learn's
 * {@code zero_division=0}: precision with no predicted positives, recall with no actual positives
 * and F1 with neither are 0; specificity and false-positive rate with no actual negatives are 0
 * too. Cohen's kappa is undefined (NaN, as scikit-learn) when chance agreement is 1.
 *
 * <p>95% intervals, all analytic: Wilson score intervals for the proportions (precision, recall,
 * specificity, FPR, accuracy); for F1 the Wilson interval of the Jaccard index J = tp / (tp + fp
 * + fn), mapped through the monotone F1 = 2J / (1 + J); for kappa p_o ± 1.96 sqrt(p_o (1 − p_o) /
 * (n (1 − p_e)²)) (Cohen 1960), clipped to [−1, 1].
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

  public double falsePositiveRate() {
    return ratio(fp, fp + tn);
  }

  /** Cohen's kappa between the two labelings; NaN when chance agreement p_e is 1. */
  public double kappa() {
    double n = n();
    if (n == 0) {
      return Double.NaN;
    }
    double po = (tp + tn) / n;
    double pe = ((double) (tp + fp) * (tp + fn) + (double) (fn + tn) * (fp + tn)) / (n * n);
    return pe >= 1 ? Double.NaN : (po - pe) / (1 - pe);
  }

  /** 95% interval of kappa (Cohen 1960 large-sample standard error); null when undefined. */
  public double[] kappaInterval() {
    double k = kappa();
    if (Double.isNaN(k)) {
      return null;
    }
    double n = n();
    double po = (tp + tn) / n;
    double pe = ((double) (tp + fp) * (tp + fn) + (double) (fn + tn) * (fp + tn)) / (n * n);
    double se = Math.sqrt(po * (1 - po) / (n * (1 - pe) * (1 - pe)));
    return new double[] {Math.max(-1, k - Z * se), Math.min(1, k + Z * se)};
  }

  /** 95% interval of F1 through the Jaccard index; [0, 0] with no tp, fp or fn. */
  public double[] f1Interval() {
    double[] j = wilson(tp, tp + fp + fn);
    return new double[] {2 * j[0] / (1 + j[0]), 2 * j[1] / (1 + j[1])};
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
