package io.ecolens.train;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binary logistic regression fitted in the driver's memory, with Spark MLlib's objective: weighted
 * mean log loss plus {@code regularization / 2} times the squared weights on standardised, centred features
 * (the intercept not regularised), from MLlib's starting point (no weights, the intercept at the
 * labels' log-odds). Fitted to convergence by {@link Lbfgs}, it gives MLlib's
 * {@code LogisticRegression} head ({@code standardization = true}, {@code elasticNetParam = 0}, fitted
 * to convergence) in milliseconds instead of one Spark job per iteration; {@code train}'s label sets
 * (at most {@code train.max-items} rows) fit in the driver.
 *
 * <p>Rows are the items' feature vectors ({@code float}, as the embeddings are stored); a fit uses
 * the rows named by an index array, so folds share one copy of the features.
 */
final class LocalLogistic {
  private static final Logger LOG = LoggerFactory.getLogger(LocalLogistic.class);
  /** L-BFGS corrections kept, as MLlib keeps them. */
  private static final int CORRECTIONS = 10;

  /** A fitted head in the features' own space: {@code p = sigmoid(weights . x + intercept)}. */
  record Model(double[] weights, double intercept) {
    double probability(float[] x) {
      double margin = intercept;
      for (int j = 0; j < weights.length; j++) {
        margin += weights[j] * x[j];
      }
      return 1.0 / (1.0 + Math.exp(-margin));
    }
  }

  private final int maxIterations;
  private final double tolerance;
  private final boolean balanced;

  /**
   * @param balanced weigh each class by rows / (2 x its rows), as MLlib's weightCol would, so that a
   *     rare class counts as much as a common one; else every row weighs 1
   */
  LocalLogistic(int maxIterations, double tolerance, boolean balanced) {
    this.maxIterations = maxIterations;
    this.tolerance = tolerance;
    this.balanced = balanced;
  }

  /**
   * Fits the rows {@code rows} of {@code x} to the labels {@code y} (0 or 1) with L2
   * {@code regularization}, starting from {@code start} when given (a head fitted on similar rows:
   * fewer iterations), else from MLlib's start. Both classes must be present among those rows.
   */
  Model fit(float[][] x, double[] y, int[] rows, double regularization, Model start) {
    int n = rows.length;
    double positives = 0;
    for (int i : rows) {
      positives += y[i];
    }
    if (positives == 0 || positives == n) {
      throw new IllegalArgumentException("a logistic fit needs both classes; got " + (long) positives
          + " positive of " + n + " rows");
    }
    double positiveWeight = balanced ? n / (2 * positives) : 1.0;
    double negativeWeight = balanced ? n / (2 * (n - positives)) : 1.0;

    // Weighted mean and unbiased weighted standard deviation per feature, as MLlib's Summarizer.
    int d = x[rows[0]].length;
    double[] mean = new double[d];
    double weightSum = 0;
    double weightSquares = 0;
    for (int i : rows) {
      double w = y[i] == 1.0 ? positiveWeight : negativeWeight;
      weightSum += w;
      weightSquares += w * w;
      for (int j = 0; j < d; j++) {
        mean[j] += w * x[i][j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= weightSum;
    }
    double[] inverseStd = new double[d];
    for (int i : rows) {
      double w = y[i] == 1.0 ? positiveWeight : negativeWeight;
      for (int j = 0; j < d; j++) {
        double centred = x[i][j] - mean[j];
        inverseStd[j] += w * centred * centred;
      }
    }
    double denominator = weightSum - weightSquares / weightSum;
    for (int j = 0; j < d; j++) {
      double std = denominator > 0 ? Math.sqrt(inverseStd[j] / denominator) : 0.0;
      inverseStd[j] = std == 0.0 ? 0.0 : 1.0 / std;
    }

    double[] initial = new double[d + 1];
    if (start == null) {
      // MLlib's start: no weights, the intercept at the (weighted) log-odds of the labels.
      initial[d] = Math.log(positives * positiveWeight / ((n - positives) * negativeWeight));
    } else {
      // The start head in the standardised, centred space of these rows.
      initial[d] = start.intercept();
      for (int j = 0; j < d; j++) {
        initial[j] = inverseStd[j] == 0.0 ? 0.0 : start.weights()[j] / inverseStd[j];
        initial[d] += start.weights()[j] * mean[j];
      }
    }
    Objective objective = new Objective(x, y, rows, positiveWeight, negativeWeight, weightSum, mean, inverseStd,
        regularization);
    Lbfgs.Result result = new Lbfgs(CORRECTIONS, maxIterations, tolerance).minimize(objective, initial);
    if (!result.converged()) {
      LOG.warn("train: a logistic fit on {} rows stopped after {} iterations short of convergence (loss {})", n,
          result.iterations(), result.value());
    }
    double[] solution = result.x();

    // Back from the standardised, centred space to the features' own.
    double[] weights = new double[d];
    double intercept = solution[d];
    for (int j = 0; j < d; j++) {
      weights[j] = solution[j] * inverseStd[j];
      intercept -= weights[j] * mean[j];
    }
    return new Model(weights, intercept);
  }

  /**
   * Weighted mean log loss plus {@code regularization / 2 * |w|^2} over the standardised, centred
   * features, and its gradient; the last coordinate is the intercept.
   */
  private record Objective(float[][] x, double[] y, int[] rows, double positiveWeight, double negativeWeight,
      double weightSum, double[] mean, double[] inverseStd, double regularization) implements Lbfgs.Objective {
    @Override
    public double valueAndGradient(double[] w, double[] gradient) {
      int d = mean.length;
      // margin = sum_j w_j (x_j - mean_j) / std_j + b = sum_j beta_j x_j + offset
      double[] beta = new double[d];
      double offset = w[d];
      for (int j = 0; j < d; j++) {
        beta[j] = w[j] * inverseStd[j];
        offset -= beta[j] * mean[j];
      }
      double loss = 0;
      double residualSum = 0;
      double[] residualDotX = new double[d];
      for (int i : rows) {
        float[] xi = x[i];
        double margin = offset;
        for (int j = 0; j < d; j++) {
          margin += beta[j] * xi[j];
        }
        double weight = y[i] == 1.0 ? positiveWeight : negativeWeight;
        // log(1 + e^m) - y m, without overflow
        loss += weight
            * ((margin > 0 ? margin + Math.log1p(Math.exp(-margin)) : Math.log1p(Math.exp(margin))) - y[i] * margin);
        double residual = weight * (1.0 / (1.0 + Math.exp(-margin)) - y[i]);
        residualSum += residual;
        for (int j = 0; j < d; j++) {
          residualDotX[j] += residual * xi[j];
        }
      }
      double penalty = 0;
      for (int j = 0; j < d; j++) {
        gradient[j] = inverseStd[j] * (residualDotX[j] - mean[j] * residualSum) / weightSum + regularization * w[j];
        penalty += w[j] * w[j];
      }
      gradient[d] = residualSum / weightSum;
      return loss / weightSum + 0.5 * regularization * penalty;
    }
  }
}
