package io.ecolens.evaluate;

/**
 * Average precision and ROC AUC from score bins fed in descending score order, one bin per
 * distinct score (ties share a threshold, as in scikit-learn). Streaming and O(1) in memory, so
 * Spark can feed it a sorted partition of a histogram without collecting scores.
 *
 * <p>Definitions (scikit-learn): AP = Σ_k (R_k − R_{k−1}) P_k over the distinct thresholds, the
 * step-wise sum without interpolation; ROC AUC is the trapezoidal area under (FPR_k, TPR_k) from
 * (0, 0). With no positives AP is 0 (scikit-learn sets recall to 1 at every threshold, so every
 * step is 0); ROC AUC is undefined (NaN) unless both classes occur. Intervals: ROC AUC ± 1.96 SE
 * of Hanley &amp; McNeil (1982); AP: the logit interval of Boyd et al. (2013),
 * expit(logit(AP) ± 1.96 / sqrt(P · AP (1 − AP))).
 */
public final class Ranking {
  private static final double Z = 1.959963984540054;
  private long tp;
  private long fp;
  private double precisionSteps;
  private double areaTwice;

  /** Adds the next (lower) distinct score with its positive and negative items. */
  public Ranking add(long positives, long negatives) {
    long tpBefore = tp;
    tp += positives;
    fp += negatives;
    if (positives > 0) {
      precisionSteps += positives * ((double) tp / (tp + fp));
    }
    areaTwice += (double) negatives * (tp + tpBefore);
    return this;
  }

  public long positives() {
    return tp;
  }

  public long negatives() {
    return fp;
  }

  /** Step-wise average precision; 0 with no positives. */
  public double averagePrecision() {
    return tp == 0 ? 0.0 : precisionSteps / tp;
  }

  /** Trapezoidal ROC AUC; NaN unless both classes are present. */
  public double rocAuc() {
    return tp == 0 || fp == 0 ? Double.NaN : areaTwice / (2.0 * tp * fp);
  }

  /** Hanley–McNeil 95% interval of the ROC AUC; null when undefined. */
  public double[] rocAucInterval() {
    double a = rocAuc();
    return Double.isNaN(a) ? null : hanleyMcNeil(a, tp, fp);
  }

  /** Logit 95% interval of AP; null when AP is 0 or 1 (the logit is infinite). */
  public double[] averagePrecisionInterval() {
    return logitInterval(averagePrecision(), tp);
  }

  /** AUC ± 1.96 SE with Hanley &amp; McNeil's (1982) standard error, clipped to [0, 1]. */
  public static double[] hanleyMcNeil(double a, long positives, long negatives) {
    double q1 = a / (2 - a);
    double q2 = 2 * a * a / (1 + a);
    double var = (a * (1 - a) + (positives - 1) * (q1 - a * a) + (negatives - 1) * (q2 - a * a))
        / ((double) positives * negatives);
    double se = Math.sqrt(Math.max(0, var));
    return new double[] {Math.max(0, a - Z * se), Math.min(1, a + Z * se)};
  }

  /** expit(logit(AP) ± 1.96 / sqrt(P AP (1 − AP))) (Boyd et al. 2013); null when AP is 0 or 1. */
  public static double[] logitInterval(double ap, long positives) {
    if (positives == 0 || ap <= 0 || ap >= 1) {
      return null;
    }
    double mu = Math.log(ap / (1 - ap));
    double tau = 1 / Math.sqrt(positives * ap * (1 - ap));
    return new double[] {expit(mu - Z * tau), expit(mu + Z * tau)};
  }

  private static double expit(double x) {
    return 1 / (1 + Math.exp(-x));
  }
}
