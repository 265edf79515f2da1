package io.ecolens.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.policy.Policy;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ZeroShotFitTest {
  /** The policy's default calibration: centre 0.35, scale 12, threshold 0.5. */
  private static final Policy.Embedded POLICY = new Policy.Embedded(null, null, null);

  /** Negatives' similarity drawn from [low, low + 0.15), positives' from [low + 0.15, low + 0.3). */
  private static double[][] separated(int n, double low, long seed) {
    Random random = new Random(seed);
    double[] similarity = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 4 == 0 ? 1 : 0;
      similarity[i] = low + (y[i] == 1 ? 0.15 : 0) + 0.15 * random.nextDouble();
    }
    return new double[][] {similarity, y};
  }

  @Test
  void fiftyLabelsMoveTheCentreToWhereTheClassesPart() {
    double[][] d = separated(50, 0.35, 1);
    ZeroShotFit.Outcome o = ZeroShotFit.fit("c", d[0], d[1], POLICY, 0.5).orElseThrow();
    // At the policy's centre every negative (similarity >= 0.35) scores >= 0.5: all flagged.
    assertThat(o.policyF1()).isLessThan(0.55);
    assertThat(o.fit().f1()).isGreaterThan(0.95);
    assertThat(o.calibration().center()).isBetween(0.45, 0.55);
    assertThat(o.calibration().scale()).isPositive();
    assertThat(o.calibration().threshold()).isBetween(0.05, 0.95);
  }

  @Test
  void labelsThatFallAsSimilarityRisesLeaveTheCategoryUncalibrated() {
    double[][] d = separated(50, 0.35, 2);
    double[] flipped = new double[d[1].length];
    for (int i = 0; i < flipped.length; i++) {
      flipped[i] = 1 - d[1][i];
    }
    assertThat(ZeroShotFit.fit("c", d[0], flipped, POLICY, 0.5)).isEmpty();
  }
}
