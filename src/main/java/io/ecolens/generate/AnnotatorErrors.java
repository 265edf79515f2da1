package io.ecolens.generate;

import io.ecolens.policy.Policy;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * How the simulated annotators err, as people labelling moderation queues do: they miss a
 * violation far more often than they flag a clean item, fuzzier policies are harder, and some
 * annotators are better than others. Annotator {@code a}'s configured rate {@code e_a} is its miss
 * rate on a medium-severity category; a category's difficulty scales it (critical 0.5, high 0.75,
 * medium 1, low 1.5: the clearest harms are the easiest to see, low-severity ones such as spam or
 * misleading claims the most debatable). An annotator's false flags on a category number
 * {@value #FALSE_FLAG_SHARE} of its misses there: the false-flag rate on clean items is the miss
 * rate times that share times the category's odds {@code p / (1 - p)}. So a rare category's few
 * true positives are not swamped by false flags, as they were when every label flipped at one
 * symmetric rate (a 3% flip on a 1% category makes three false flags per true violation).
 */
final class AnnotatorErrors implements Serializable {
  private static final long serialVersionUID = 1L;
  /** An annotator's false flags on a category, as a share of its misses there (counted in items). */
  static final double FALSE_FLAG_SHARE = 0.1;
  /** No annotator misses more than this share of a category's violations. */
  static final double MAX_MISS = 0.9;

  private final double[][] miss;
  private final double[][] falseFlag;

  /**
   * @param rates each annotator's miss rate on a medium-severity category, in 0..1
   * @param prevalence each category's share of violating items, in 0..1
   */
  AnnotatorErrors(double[] rates, List<Policy.Category> categories, double[] prevalence) {
    miss = new double[rates.length][categories.size()];
    falseFlag = new double[rates.length][categories.size()];
    for (int a = 0; a < rates.length; a++) {
      for (int c = 0; c < categories.size(); c++) {
        miss[a][c] = Math.min(MAX_MISS, rates[a] * difficulty(categories.get(c).severity()));
        double odds = prevalence[c] / Math.max(1e-9, 1 - prevalence[c]);
        falseFlag[a][c] = Math.min(MAX_MISS, miss[a][c] * FALSE_FLAG_SHARE * odds);
      }
    }
  }

  /** How much harder than a medium-severity category one of this severity is to label. */
  static double difficulty(String severity) {
    return switch (severity == null ? "" : severity.toLowerCase(Locale.ROOT)) {
      case "critical" -> 0.5;
      case "high" -> 0.75;
      case "low" -> 1.5;
      default -> 1.0;
    };
  }

  /** Share of category {@code c}'s violations annotator {@code a} labels as allowed. */
  double miss(int a, int c) {
    return miss[a][c];
  }

  /** Share of clean items annotator {@code a} labels as violating category {@code c}. */
  double falseFlag(int a, int c) {
    return falseFlag[a][c];
  }

  /** Annotator {@code a}'s label for category {@code c} given the truth and a uniform draw in [0, 1). */
  boolean label(int a, int c, boolean truth, double draw) {
    return truth ? draw >= miss[a][c] : draw < falseFlag[a][c];
  }
}
