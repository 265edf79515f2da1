package io.ecolens.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AgreementTest {
  @Test
  void matchesHandComputedFigures() {
    // y_true = [1,1,1,0,0,0,0,1], y_pred = [1,0,1,1,0,0,0,0]: tp 2, fn 2, fp 1, tn 3
    // scikit-learn: precision 2/3, recall 0.5, f1 = 2*2/(2*2+1+2) = 4/7, accuracy 5/8
    Agreement a = new Agreement(2, 1, 2, 3);
    assertThat(a.precision()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(a.recall()).isCloseTo(0.5, within(1e-12));
    assertThat(a.f1()).isCloseTo(4.0 / 7, within(1e-12));
    assertThat(a.accuracy()).isCloseTo(5.0 / 8, within(1e-12));
    assertThat(a.specificity()).isCloseTo(0.75, within(1e-12));
  }

  @Test
  void zeroDivisionGivesZeroAsScikitLearnDoes() {
    Agreement none = new Agreement(0, 0, 0, 10);
    assertThat(none.precision()).isZero();
    assertThat(none.recall()).isZero();
    assertThat(none.f1()).isZero();
    assertThat(none.accuracy()).isEqualTo(1.0);
  }

  @Test
  void wilsonIntervalMatchesReference() {
    // statsmodels proportion_confint(8, 10, method="wilson") = (0.4901625, 0.9433178)
    double[] ci = Agreement.wilson(8, 10);
    assertThat(ci[0]).isCloseTo(0.4901625, within(1e-6));
    assertThat(ci[1]).isCloseTo(0.9433178, within(1e-6));
    assertThat(Agreement.wilson(0, 0)).containsExactly(0, 0);
  }
}
