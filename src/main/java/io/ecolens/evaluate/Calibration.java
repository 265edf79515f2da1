package io.ecolens.evaluate;

import java.util.List;

/**
 * Calibration of scores against human labels from equal-width bins on [0, 1] (bin b holds
 * scores in [b/B, (b+1)/B), the last bin includes 1). Expected calibration error
 * ECE = Σ_b (n_b / n) |observed_b − mean score_b| (Naeini et al. 2015; Guo et al. 2017).
 */
public final class Calibration {
  private Calibration() {}

  /** One reliability bin: items, Σ score and positives. */
  public record Bin(int index, long n, double scoreSum, long positives) {
    public double meanScore() {
      return n == 0 ? 0 : scoreSum / n;
    }

    public double observed() {
      return n == 0 ? 0 : (double) positives / n;
    }
  }

  /** Bin index of a score for B bins. */
  public static int bin(double score, int bins) {
    return Math.max(0, Math.min(bins - 1, (int) Math.floor(score * bins)));
  }

  /** ECE over the bins; NaN when they hold no item. */
  public static double expectedCalibrationError(List<Bin> bins) {
    long n = bins.stream().mapToLong(Bin::n).sum();
    if (n == 0) {
      return Double.NaN;
    }
    double ece = 0;
    for (Bin b : bins) {
      ece += (double) b.n() / n * Math.abs(b.observed() - b.meanScore());
    }
    return ece;
  }
}
