package io.ecolens.generate;

import java.io.Serializable;
import java.util.Map;

/**
 * Values with cumulative probabilities, drawn by a uniform number in [0, 1). The record's
 * constructor takes the cumulative array as is: Java deserialization calls it again on executors,
 * so it must not transform its input.
 */
record Weighted(String[] values, double[] cumulative) implements Serializable {
  static Weighted of(Map<String, Double> weights) {
    return of(weights.keySet().toArray(String[]::new),
        weights.values().stream().mapToDouble(Double::doubleValue).toArray());
  }

  static Weighted of(String[] values, double[] weights) {
    double total = 0;
    double[] sums = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      total += weights[i];
      sums[i] = total;
    }
    for (int i = 0; i < sums.length; i++) {
      sums[i] /= total;
    }
    return new Weighted(values, sums);
  }

  int index(double u) {
    for (int i = 0; i < cumulative.length - 1; i++) {
      if (u < cumulative[i]) {
        return i;
      }
    }
    return cumulative.length - 1;
  }

  String pick(double u) {
    return values[index(u)];
  }
}
