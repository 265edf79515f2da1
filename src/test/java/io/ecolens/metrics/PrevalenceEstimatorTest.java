package io.ecolens.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.metrics.PrevalenceEstimator.Estimate;
import io.ecolens.metrics.PrevalenceEstimator.StratumTally;
import io.ecolens.metrics.PrevalenceEstimator.WeightedTally;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class PrevalenceEstimatorTest {
  private static final Offset<Double> CLOSE = within(1e-9);

  /**
   * Two strata, computed by hand.
   *
   * <pre>
   * A: N=1000, m=100, x=20  p_A = 0.20   W_A = 1000/4000 = 0.25
   * B: N=3000, m=100, x=5   p_B = 0.05   W_B = 3000/4000 = 0.75
   * p = 0.25*0.20 + 0.75*0.05 = 0.0875
   * var_A = 0.25² * (1 - 100/1000) * 0.20*0.80 / 99 = 0.0625*0.9*0.16/99      = 0.009/99
   * var_B = 0.75² * (1 - 100/3000) * 0.05*0.95 / 99 = 0.5625*0.96667*0.0475/99 = 0.025828125/99
   * var = 0.034828125/99 = 0.000351799242...; se = 0.0187563121
   * CI = 0.0875 ± 1.96*0.0187563121 = [0.0507376283, 0.1242623717]
   * </pre>
   */
  @Test
  void twoStrataMatchTheHandComputedEstimateAndInterval() {
    Estimate e = PrevalenceEstimator.stratified(List.of(
        new StratumTally("A", 1000, 100, 20),
        new StratumTally("B", 3000, 100, 5)));

    assertThat(e.value()).isCloseTo(0.0875, CLOSE);
    assertThat(e.ciLow()).isCloseTo(0.0875 - 1.96 * Math.sqrt(0.034828125 / 99), CLOSE);
    assertThat(e.ciLow()).isCloseTo(0.0507376283, within(1e-9));
    assertThat(e.ciHigh()).isCloseTo(0.1242623717, within(1e-9));
    assertThat(e.n()).isEqualTo(200);
  }

  /** No violation among 30 items: 0 with the one-sided bound 1 - 0.05^(1/30) = 0.0950338529. */
  @Test
  void noViolationReportsTheRuleOfThreeUpperBound() {
    Estimate e = PrevalenceEstimator.stratified(List.of(
        new StratumTally("A", 500, 10, 0),
        new StratumTally("B", 900, 20, 0)));

    assertThat(e.value()).isZero();
    assertThat(e.ciLow()).isZero();
    assertThat(e.ciHigh()).isCloseTo(0.0950338529, within(1e-9));
    assertThat(e.n()).isEqualTo(30);
  }

  /**
   * One stratum is a simple random sample: the estimate is x/m = 5/50 = 0.1 and the interval
   * 0.1 ± 1.96 * sqrt((1 - 50/500) * 0.1*0.9 / 49) = [0.0203106030, 0.1796893970].
   */
  @Test
  void singleStratumEqualsTheSimpleProportion() {
    Estimate e = PrevalenceEstimator.stratified(List.of(new StratumTally("only", 500, 50, 5)));

    assertThat(e.value()).isCloseTo(5.0 / 50, CLOSE);
    assertThat(e.ciLow()).isCloseTo(0.0203106030, within(1e-9));
    assertThat(e.ciHigh()).isCloseTo(0.1796893970, within(1e-9));
  }

  /** p = 0.2917 with se 0.2189: the lower end would be -0.137 and is clipped to 0. */
  @Test
  void intervalIsClippedToZeroOne() {
    Estimate e = PrevalenceEstimator.stratified(List.of(
        new StratumTally("video", 100, 4, 1),
        new StratumTally("photo", 20, 2, 1)));

    assertThat(e.value()).isCloseTo(7.0 / 24, CLOSE);
    assertThat(e.ciLow()).isZero();
    assertThat(e.ciHigh()).isCloseTo(0.7207082342, within(1e-9));
  }

  @Test
  void strataWithoutLabelledItemsAreLeftOutAndNoLabelsGiveNoEstimate() {
    Estimate withEmpty = PrevalenceEstimator.stratified(List.of(
        new StratumTally("only", 500, 50, 5),
        new StratumTally("unscored", 10_000, 0, 0)));

    assertThat(withEmpty.value()).isCloseTo(0.1, CLOSE);
    assertThat(PrevalenceEstimator.stratified(List.of(new StratumTally("unscored", 10, 0, 0)))).isNull();
    assertThat(PrevalenceEstimator.ratio(WeightedTally.empty())).isNull();
  }

  @Test
  void everyItemViolatingGivesTheMirrorLowerBound() {
    Estimate e = PrevalenceEstimator.stratified(List.of(new StratumTally("A", 100, 5, 5)));

    assertThat(e.value()).isEqualTo(1.0);
    assertThat(e.ciLow()).isCloseTo(1 - 0.4507197283, within(1e-9));
    assertThat(e.ciHigh()).isEqualTo(1.0);
  }

  /**
   * Weights 10, 10, 30 with only the first violating: p = 10/50 = 0.2, effective n = 50²/1100 =
   * 2.2727; Wilson at z = 1.96 gives [0.0196320184, 0.7573448586].
   */
  @Test
  void ratioEstimatorUsesDesignWeightsAndWilsonOnEffectiveN() {
    WeightedTally tally = new WeightedTally(1, 1, 10, 10, 100)
        .plus(new WeightedTally(1, 0, 10, 0, 100))
        .plus(new WeightedTally(1, 0, 30, 0, 900));

    Estimate e = PrevalenceEstimator.ratio(tally);

    assertThat(tally.effectiveN()).isCloseTo(2500.0 / 1100, CLOSE);
    assertThat(e.value()).isCloseTo(0.2, CLOSE);
    assertThat(e.ciLow()).isCloseTo(0.0196320184, within(1e-9));
    assertThat(e.ciHigh()).isCloseTo(0.7573448586, within(1e-9));
    assertThat(e.n()).isEqualTo(3);
  }

  @Test
  void ratioWithNoViolationUsesTheUpperBoundOnEffectiveN() {
    Estimate e = PrevalenceEstimator.ratio(new WeightedTally(5, 0, 50, 0, 500));

    assertThat(e.value()).isZero();
    assertThat(e.ciLow()).isZero();
    assertThat(e.ciHigh()).isCloseTo(0.4507197283, within(1e-9));
  }

  @Test
  void inconsistentTalliesAreRejectedWithTheStratumName() {
    assertThatThrownBy(() -> new StratumTally("video|US", 3, 5, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stratum 'video|US': population (N_h) must be at least the observed items 5, cannot be: 3");
    assertThatThrownBy(() -> new StratumTally("video|US", 10, 5, 6))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stratum 'video|US': positives must be in 0..observed, cannot be: 6 of 5");
  }
}
