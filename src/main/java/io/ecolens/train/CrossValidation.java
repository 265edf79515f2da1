package io.ecolens.train;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * One category's head and its honest figures. Each outer fold's items are scored by a head fitted
 * on the other folds, with the regularisation that those other folds chose by inner
 * cross-validation (nested: the scored fold takes no part in the choice); the out-of-fold
 * probabilities give the AUPRC and the F1-best threshold of a 0.05 grid. The saved head is fitted
 * on every item, with the regularisation chosen by inner cross-validation over all of them. The
 * folds run in parallel (each one's fits in order, so the figures do not depend on the threads).
 */
final class CrossValidation {
  private static final int GRID = 19;

  /**
   * What {@link #run} produced: the figures and the head to save; the figures' {@code
   * regularization} is the saved head's (the outer folds' own choices may differ).
   */
  record Outcome(TrainStage.Fit fit, LocalLogistic.Model head) {}

  private final LocalLogistic logistic;
  private final List<Double> regularizations;
  private final int folds;
  private final int innerFolds;

  /**
   * @param regularizations the values to choose from, any order; one value is used as it is
   */
  CrossValidation(LocalLogistic logistic, List<Double> regularizations, int folds, int innerFolds) {
    this.logistic = logistic;
    this.regularizations = regularizations.stream().sorted((a, b) -> Double.compare(b, a)).distinct().toList();
    this.folds = folds;
    this.innerFolds = innerFolds;
  }

  /**
   * The figures and head of one category, or empty when some outer fold's training side holds items
   * of one class only (the folds come from a hash of content_id, not from the labels).
   */
  Optional<Outcome> run(Labelled data, Labelled.Category labels, String category) {
    int[] rows = labels.rows();
    double[] y = labels.y();
    float[][] x = data.features();
    // Training side k < folds: every item but outer fold k's; side "folds": all items, for the head to save.
    List<int[]> sides = IntStream.rangeClosed(0, folds)
        .mapToObj(k -> k == folds ? rows : Arrays.stream(rows).filter(i -> data.fold(i) != k).toArray()).toList();
    if (!sides.stream().allMatch(side -> bothClasses(y, side))) {
      return Optional.empty();
    }
    List<Fitted> fitted = sides.parallelStream().map(training -> {
      double regularization = choose(data, y, training);
      return new Fitted(logistic.fit(x, y, training, regularization, null), regularization);
    }).toList();

    double[] scores = new double[rows.length];
    double[] truth = new double[rows.length];
    for (int r = 0; r < rows.length; r++) {
      scores[r] = fitted.get(data.fold(rows[r])).model().probability(x[rows[r]]);
      truth[r] = y[rows[r]];
    }
    Fitted head = fitted.get(folds);
    TrainStage.Fit fit = bestThreshold(category, scores, truth, areaUnderPr(scores, truth), head.regularization());
    return Optional.of(new Outcome(fit, head.model()));
  }

  private record Fitted(LocalLogistic.Model model, double regularization) {}

  /**
   * The regularisation with the best AUPRC of inner out-of-fold probabilities over {@code rows}
   * (inner folds by {@link Labelled#innerFold}); on a tie the stronger one. Each inner fold's fits
   * go from the strongest regularisation to the weakest, each starting from the one before.
   */
  private double choose(Labelled data, double[] y, int[] rows) {
    if (regularizations.size() == 1) {
      return regularizations.get(0);
    }
    double[][] probabilities = new double[regularizations.size()][rows.length];
    for (int j = 0; j < innerFolds; j++) {
      int fold = j;
      int[] training = Arrays.stream(rows).filter(i -> data.innerFold(i) != fold).toArray();
      if (!bothClasses(y, training)) {
        continue; // too few of one class here: every value scores these items 0 alike
      }
      LocalLogistic.Model previous = null;
      for (int g = 0; g < regularizations.size(); g++) {
        previous = logistic.fit(data.features(), y, training, regularizations.get(g), previous);
        for (int r = 0; r < rows.length; r++) {
          if (data.innerFold(rows[r]) == fold) {
            probabilities[g][r] = previous.probability(data.features()[rows[r]]);
          }
        }
      }
    }
    double[] truth = Arrays.stream(rows).mapToDouble(i -> y[i]).toArray();
    int best = 0;
    double bestArea = Double.NEGATIVE_INFINITY;
    for (int g = 0; g < regularizations.size(); g++) {
      double area = areaUnderPr(probabilities[g], truth);
      if (area > bestArea) {
        best = g;
        bestArea = area;
      }
    }
    return regularizations.get(best);
  }

  private static boolean bothClasses(double[] y, int[] rows) {
    double positives = Arrays.stream(rows).mapToDouble(i -> y[i]).sum();
    return positives > 0 && positives < rows.length;
  }

  /** Precision, recall and F1 at the threshold of the 0.05 grid with the best F1. */
  static TrainStage.Fit bestThreshold(String category, double[] scores, double[] truth, double auprc,
      double regularization) {
    TrainStage.Fit best = null;
    for (int g = 0; g < GRID; g++) {
      TrainStage.Fit fit = fitAt(category, scores, truth, auprc, regularization, thresholdAt(g));
      if (best == null || fit.f1() > best.f1()) {
        best = fit;
      }
    }
    return best;
  }

  /** Precision, recall and F1 of {@code scores} against {@code truth} (0/1) when score >= {@code t} is positive. */
  static TrainStage.Fit fitAt(String category, double[] scores, double[] truth, double auprc, double regularization,
      double t) {
    long positives = Math.round(Arrays.stream(truth).sum());
    long tp = 0;
    long predictedPositives = 0;
    for (int r = 0; r < scores.length; r++) {
      if (scores[r] >= t) {
        predictedPositives++;
        tp += truth[r] == 1.0 ? 1 : 0;
      }
    }
    double precision = predictedPositives == 0 ? 0 : (double) tp / predictedPositives;
    double recall = (double) tp / positives;
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    return new TrainStage.Fit(category, scores.length, positives, precision, recall, f1, auprc, t, regularization);
  }

  /**
   * Area under the precision-recall curve as MLlib's {@code BinaryClassificationEvaluator}
   * ({@code areaUnderPR}) computes it when it does not down-sample (fewer than 2 x 1,000 distinct
   * scores): one point per distinct score (recall, precision of the items scored at or above it), a
   * first point at recall 0 with the first point's precision, and trapezoids between them. With more
   * distinct scores MLlib merges neighbours into bins, depending on its partitions; this does not.
   */
  static double areaUnderPr(double[] scores, double[] labels) {
    Integer[] order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
    double positives = 0;
    for (double label : labels) {
      positives += label;
    }
    double area = 0;
    double tp = 0;
    double fp = 0;
    double lastRecall = 0;
    double lastPrecision = Double.NaN;
    for (int k = 0; k < order.length; ) {
      double score = scores[order[k]];
      for (; k < order.length && Double.compare(scores[order[k]], score) == 0; k++) {
        tp += labels[order[k]];
        fp += 1 - labels[order[k]];
      }
      double recall = tp / positives;
      double precision = tp + fp == 0 ? 1.0 : tp / (tp + fp);
      if (Double.isNaN(lastPrecision)) {
        lastPrecision = precision; // the curve starts at (0, first precision)
      }
      area += (recall - lastRecall) * (precision + lastPrecision) / 2;
      lastRecall = recall;
      lastPrecision = precision;
    }
    return area;
  }

  private static double thresholdAt(int g) {
    return Math.round((g + 1) * 0.05 * 100) / 100.0;
  }
}
