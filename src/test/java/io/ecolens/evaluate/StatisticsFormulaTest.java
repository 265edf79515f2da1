package io.ecolens.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every figure against a value worked out by hand from its published formula. */
class StatisticsFormulaTest {

  /**
   * y_true = [1,1,1,0,0,0,0,1], y_pred = [1,0,1,1,0,0,0,0]: tp 2, fp 1, fn 2, tn 3.
   * p_o = 5/8; p_e = ((tp+fp)(tp+fn) + (fn+tn)(fp+tn)) / n² = (3·4 + 5·4)/64 = 0.5;
   * kappa = (0.625 − 0.5) / 0.5 = 0.25 (scikit-learn cohen_kappa_score gives 0.25);
   * SE = sqrt(0.625·0.375 / (8 · 0.25)) = 0.3423266, CI = 0.25 ± 1.959964·SE = [−0.420951, 0.920951].
   * FPR = 1/4. F1 CI: Wilson(2 of 5) = [0.117621, 0.769276] mapped by 2J/(1+J) = [0.210487, 0.869593].
   */
  @Test
  void kappaFprAndF1IntervalMatchTheFormulas() {
    Agreement a = new Agreement(2, 1, 2, 3);
    assertThat(a.kappa()).isCloseTo(0.25, within(1e-12));
    assertThat(a.kappaInterval()[0]).isCloseTo(-0.420951, within(1e-5));
    assertThat(a.kappaInterval()[1]).isCloseTo(0.920951, within(1e-5));
    assertThat(a.falsePositiveRate()).isCloseTo(0.25, within(1e-12));
    double[] f1 = a.f1Interval();
    assertThat(f1[0]).isCloseTo(0.210487, within(1e-4));
    assertThat(f1[1]).isCloseTo(0.869593, within(1e-4));
    assertThat(f1[0]).isLessThan(a.f1());
    assertThat(f1[1]).isGreaterThan(a.f1());
  }

  /** One class only (all negative, all predicted negative): kappa undefined (NaN, as scikit-learn). */
  @Test
  void oneClassLeavesKappaUndefinedAndRatesZero() {
    Agreement a = new Agreement(0, 0, 0, 5);
    assertThat(a.kappa()).isNaN();
    assertThat(a.kappaInterval()).isNull();
    assertThat(a.falsePositiveRate()).isZero();
    assertThat(a.specificity()).isEqualTo(1.0);
    Agreement allPositive = new Agreement(5, 0, 0, 0);
    assertThat(allPositive.specificity()).isZero(); // zero division -> 0
    assertThat(allPositive.f1()).isEqualTo(1.0);
    assertThat(new Agreement(0, 0, 0, 0).kappa()).isNaN();
  }

  /**
   * scikit-learn's documented example: y_true = [0,0,1,1], scores = [0.1,0.4,0.35,0.8];
   * average_precision_score = 0.8333 and roc_auc_score = 0.75. Descending: 0.8 (+) P=1 R=.5;
   * 0.4 (−); 0.35 (+) P=2/3 R=1; AP = .5·1 + .5·2/3 = 5/6.
   */
  @Test
  void averagePrecisionAndAucMatchScikitLearnsExample() {
    Ranking r = new Ranking().add(1, 0).add(0, 1).add(1, 0).add(0, 1);
    assertThat(r.averagePrecision()).isCloseTo(5.0 / 6, within(1e-12));
    assertThat(r.rocAuc()).isCloseTo(0.75, within(1e-12));
    // Hanley-McNeil: Q1 = .75/1.25 = .6, Q2 = 2·.5625/1.75 = .642857; var = (.1875 + 1·(.6−.5625) + 1·(.642857−.5625))/4
    // = (.1875 + .0375 + .080357)/4 = .076339, se = .276295, CI = .75 ± .541528 -> [.208472, 1]
    assertThat(r.rocAucInterval()[0]).isCloseTo(0.208472, within(1e-5));
    assertThat(r.rocAucInterval()[1]).isEqualTo(1.0);
  }

  /**
   * Tied scores share one threshold: y = [1,0,1,0], s = [.5,.5,.5,.2]. At .5: tp 2, fp 1, P = 2/3,
   * R = 1 -> AP = 2/3. ROC points (0,0), (.5,1), (1,1): AUC = .25 + .5 = .75 (pairs: (2·.5 + 2·1)/4).
   */
  @Test
  void tiesShareAThreshold() {
    Ranking r = new Ranking().add(2, 1).add(0, 1);
    assertThat(r.averagePrecision()).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(r.rocAuc()).isCloseTo(0.75, within(1e-12));
  }

  /** No positives: AP 0 (scikit-learn sets recall to 1 everywhere), AUC undefined; all positives: AP 1. */
  @Test
  void noPositivesAndAllPositives() {
    Ranking none = new Ranking().add(0, 3).add(0, 2);
    assertThat(none.averagePrecision()).isZero();
    assertThat(none.rocAuc()).isNaN();
    assertThat(none.averagePrecisionInterval()).isNull();
    Ranking all = new Ranking().add(2, 0).add(1, 0);
    assertThat(all.averagePrecision()).isEqualTo(1.0);
    assertThat(all.rocAuc()).isNaN();
  }

  /** Logit interval (Boyd et al. 2013) for AP = .8 on 25 positives: tau = 1/sqrt(25·.16) = .5. */
  @Test
  void averagePrecisionLogitInterval() {
    double[] ci = Ranking.logitInterval(0.8, 25);
    double mu = Math.log(4);
    assertThat(ci[0]).isCloseTo(1 / (1 + Math.exp(-(mu - 1.959964 * 0.5))), within(1e-6));
    assertThat(ci[0]).isCloseTo(0.600204, within(1e-4)); // expit(1.386294 − .979982) = 1 / (1 + e^−.406312) = 1 / 1.666102
    assertThat(ci[1]).isCloseTo(0.914219, within(1e-4)); // expit(2.366276) = 1 / (1 + .093830)
  }

  /**
   * Scores [.05,.15,.12,.95], y [0,1,0,1], 10 bins: bin 0 {.05}: |0 − .05|; bin 1 {.15,.12}:
   * |.5 − .135| = .365; bin 9 {.95}: |1 − .95| = .05. ECE = (.05 + 2·.365 + .05)/4 = .2075.
   */
  @Test
  void expectedCalibrationError() {
    List<Calibration.Bin> bins = List.of(new Calibration.Bin(0, 1, 0.05, 0), new Calibration.Bin(1, 2, 0.27, 1),
        new Calibration.Bin(9, 1, 0.95, 1));
    assertThat(Calibration.expectedCalibrationError(bins)).isCloseTo(0.2075, within(1e-12));
    assertThat(Calibration.bin(1.0, 10)).isEqualTo(9);
    assertThat(Calibration.bin(0.0, 10)).isZero();
    assertThat(Calibration.expectedCalibrationError(List.of())).isNaN();
  }

  /** Fleiss (1971) worked example as on Wikipedia: 10 items, 14 raters, 5 classes; P̄ = .37802, P_e = .21334, κ = .20993. */
  @Test
  void fleissKappaMatchesTheWorkedExample() {
    long[][] table = {
        {0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
        {7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7}};
    RaterAgreement a = RaterAgreement.empty(5);
    for (long[] row : table) {
      a = a.plusItem(row);
    }
    assertThat(a.sumAgreement() / a.items()).isCloseTo(0.37802, within(1e-5));
    assertThat(a.fleissKappa()).isCloseTo(0.20993, within(1e-5));
  }

  /**
   * Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the nominal example with
   * missing data: 4 coders, 12 units, α = 0.743. Vote counts per unit over values 1..5 (unit 12
   * has a single value and is not pairable).
   */
  @Test
  void krippendorffAlphaMatchesThePublishedExample() {
    long[][] units = {
        {3, 0, 0, 0, 0}, {0, 3, 1, 0, 0}, {0, 0, 4, 0, 0}, {0, 0, 4, 0, 0}, {0, 4, 0, 0, 0}, {1, 1, 1, 1, 0},
        {0, 0, 0, 4, 0}, {3, 1, 0, 0, 0}, {0, 4, 0, 0, 0}, {0, 0, 0, 0, 3}, {2, 0, 0, 0, 0}, {0, 0, 1, 0, 0}};
    RaterAgreement a = RaterAgreement.empty(5);
    for (long[] u : units) {
      a = a.plusItem(u);
    }
    assertThat(a.items()).isEqualTo(11);
    assertThat(a.krippendorffAlpha()).isCloseTo(0.743, within(5e-4));
  }

  /** Perfect agreement gives 1; a single class everywhere leaves both undefined. */
  @Test
  void agreementEdgeCases() {
    RaterAgreement perfect = RaterAgreement.empty(2).plusItem(3, 0).plusItem(0, 3);
    assertThat(perfect.fleissKappa()).isCloseTo(1.0, within(1e-12));
    assertThat(perfect.krippendorffAlpha()).isCloseTo(1.0, within(1e-12));
    RaterAgreement oneClass = RaterAgreement.empty(2).plusItem(3, 0).plusItem(2, 0);
    assertThat(oneClass.fleissKappa()).isNaN();
    assertThat(oneClass.krippendorffAlpha()).isNaN();
    assertThat(RaterAgreement.empty(2).plusItem(1, 0).items()).isZero();
  }
}
