package io.ecolens.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.evaluate.Agreement;
import org.junit.jupiter.api.Test;

class SignificanceTest {

  @Test
  void twoProportionTestMatchesTheTextbookFormula() {
    // pooled 0.55, se = sqrt(0.55 * 0.45 * (1/100 + 1/100)) = 0.07036, z = 1.421, two-sided p = 0.1552
    assertThat(Significance.twoProportionP(0.5, 100, 0.6, 100)).isCloseTo(0.15522, within(1e-4));
    // 10% vs 12% of 2,000 items each: z = 2.02, p = 0.0432
    assertThat(Significance.twoProportionP(0.10, 2000, 0.12, 2000)).isCloseTo(0.04324, within(1e-4));
    assertThat(Significance.twoProportionP(0.05, 600, 0.05, 600)).isEqualTo(1.0);
  }

  @Test
  void degenerateProportionsAndMissingCountsAreHandled() {
    assertThat(Significance.twoProportionP(0, 50, 0, 80)).isEqualTo(1.0);   // no variance, no change
    assertThat(Significance.twoProportionP(0, 50, 1, 80)).isEqualTo(0.0);   // no variance, total change
    assertThat(Significance.twoProportionP(0.3, 0, 0.4, 80)).isNaN();
    assertThat(Significance.twoProportionP(1.5, 10, 0.4, 80)).isNaN();
  }

  @Test
  void moverIntervalReproducesNewcombesExample() {
    // Newcombe (1998), Stat Med 17:873, example (a): 56/70 - 48/80 = 0.2000, method 10: 0.0524 to 0.3339
    double[] now = Agreement.wilson(56, 70);
    double[] then = Agreement.wilson(48, 80);
    double[] ci = Significance.differenceInterval(48 / 80.0, then[0], then[1], 56 / 70.0, now[0], now[1]);
    assertThat(ci[0]).isCloseTo(0.0524, within(5e-4));
    assertThat(ci[1]).isCloseTo(0.3339, within(5e-4));
  }

  @Test
  void intervalsOverlapOrNot() {
    assertThat(Significance.disjoint(0.1, 0.2, 0.21, 0.3)).isTrue();
    assertThat(Significance.disjoint(0.21, 0.3, 0.1, 0.2)).isTrue();
    assertThat(Significance.disjoint(0.1, 0.25, 0.2, 0.3)).isFalse();
  }
}
