package io.ecolens.train;

import io.ecolens.policy.Policy;
import java.util.Optional;

/**
 * Platt scaling of one category's zero-shot similarity: a logistic regression of the human label on
 * the similarity alone gives the scale and centre of the zero-shot sigmoid, and the threshold of
 * the 0.05 grid with the best F1 on the same items is the decision point. Two parameters and a
 * threshold: a few dozen labels fix them, where a head over 384 dimensions needs many more.
 */
final class ZeroShotFit {
  /** A tiny L2 term, so that labels the similarity separates perfectly still give a finite scale. */
  private static final double REGULARIZATION = 1e-3;

  /**
   * @param calibration the fitted centre, scale and threshold
   * @param policyF1 F1 on these items at the policy's own zero-shot centre, scale and threshold
   * @param fit the calibrated F1, precision and recall on these items (in sample)
   */
  record Outcome(Policy.Embedded calibration, double policyF1, TrainStage.Fit fit) {}

  private ZeroShotFit() {}

  /**
   * The calibration of {@code category} from each labelled item's {@code similarity} and label
   * {@code y} (0/1, both present), or empty when a higher similarity does not mean a likelier
   * violation on these labels (the scale would be negative: the prototypes do not describe them).
   */
  static Optional<Outcome> fit(String category, double[] similarity, double[] y, Policy.Embedded policy,
      double policyThreshold) {
    int n = similarity.length;
    float[][] x = new float[n][];
    int[] rows = new int[n];
    for (int i = 0; i < n; i++) {
      x[i] = new float[] {(float) similarity[i]};
      rows[i] = i;
    }
    LocalLogistic.Model model = new LocalLogistic(1000, 1e-9, false).fit(x, y, rows, REGULARIZATION, null);
    double scale = model.weights()[0];
    if (!(scale > 0)) {
      return Optional.empty();
    }
    double center = -model.intercept() / scale;
    double[] calibrated = new double[n];
    double[] policyScores = new double[n];
    for (int i = 0; i < n; i++) {
      calibrated[i] = sigmoid(scale * (similarity[i] - center));
      policyScores[i] = sigmoid(policy.scale() * (similarity[i] - policy.center()));
    }
    double auprc = CrossValidation.areaUnderPr(calibrated, y);
    TrainStage.Fit best = CrossValidation.bestThreshold(category, calibrated, y, auprc, 0.0);
    return Optional.of(new Outcome(new Policy.Embedded(best.threshold(), center, scale),
        CrossValidation.fitAt(category, policyScores, y, auprc, 0.0, policyThreshold).f1(), best));
  }

  private static double sigmoid(double z) {
    return 1.0 / (1.0 + Math.exp(-z));
  }
}
