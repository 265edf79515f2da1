package io.ecolens.train;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binary logistic regression fitted in the driver's memory, with Spark MLlib's objective: mean log
 * loss plus {@code regularization / 2} times the squared weights on standardised, centred features
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

  private final double regularization;
  private final int maxIterations;
  private final double tolerance;

  LocalLogistic(double regularization, int maxIterations, double tolerance) {
    this.regularization = regularization;
    this.maxIterations = maxIterations;
    this.tolerance = tolerance;
  }

  /**
   * Fits the rows {@code rows} of {@code x} to the labels {@code y} (0 or 1). Both classes must be
   * present among those rows.
   */
  Model fit(float[][] x, double[] y, int[] rows) {
    int d = x[rows[0]].length;
    double[] mean = new double[d];
    double[] inverseStd = new double[d];
    double positives = 0;
    for (int i : rows) {
      positives += y[i];
      for (int j = 0; j < d; j++) {
        mean[j] += x[i][j];
      }
    }
    int n = rows.length;
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    for (int i : rows) {
      for (int j = 0; j < d; j++) {
        double centred = x[i][j] - mean[j];
        inverseStd[j] += centred * centred;
      }
    }
    for (int j = 0; j < d; j++) {
      double std = n > 1 ? Math.sqrt(inverseStd[j] / (n - 1)) : 0.0;
      inverseStd[j] = std == 0.0 ? 0.0 : 1.0 / std;
    }
    if (positives == 0 || positives == n) {
      throw new IllegalArgumentException("a logistic fit needs both classes; got " + (long) positives
          + " positive of " + n + " rows");
    }

    // MLlib's start: no weights, the intercept at the log-odds of the labels.
    double[] start = new double[d + 1];
    start[d] = Math.log(positives / (n - positives));
    Objective objective = new Objective(x, y, rows, mean, inverseStd, regularization);
    Lbfgs.Result result = new Lbfgs(CORRECTIONS, maxIterations, tolerance).minimize(objective, start);
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
   * Mean log loss plus {@code regularization / 2 * |w|^2} over the standardised, centred features,
   * and its gradient; the last coordinate is the intercept.
   */
  private record Objective(float[][] x, double[] y, int[] rows, double[] mean, double[] inverseStd,
      double regularization) implements Lbfgs.Objective {
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
        // log(1 + e^m) - y m, without overflow
        loss += (margin > 0 ? margin + Math.log1p(Math.exp(-margin)) : Math.log1p(Math.exp(margin))) - y[i] * margin;
        double residual = 1.0 / (1.0 + Math.exp(-margin)) - y[i];
        residualSum += residual;
        for (int j = 0; j < d; j++) {
          residualDotX[j] += residual * xi[j];
        }
      }
      int n = rows.length;
      double penalty = 0;
      for (int j = 0; j < d; j++) {
        gradient[j] = inverseStd[j] * (residualDotX[j] - mean[j] * residualSum) / n + regularization * w[j];
        penalty += w[j] * w[j];
      }
      gradient[d] = residualSum / n;
      return loss / n + 0.5 * regularization * penalty;
    }
  }
}
