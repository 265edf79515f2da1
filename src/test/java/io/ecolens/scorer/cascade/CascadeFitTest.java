package io.ecolens.scorer.cascade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The band fit on pilot items whose truth is known by construction. */
class CascadeFitTest {
  private static final List<String> CATEGORIES = List.of("a", "b");
  private static final double[] THRESHOLDS = {0.5, 0.5};

  /**
   * 400 items; category a: the first scorer is right everywhere, far from its threshold; category b:
   * right far from the threshold, wrong on every item within 0.1 of it (one item in five). The second
   * scorer is right everywhere and costs 0.01 per item.
   */
  private static List<CascadeFit.Item> items() {
    Random random = new Random(7);
    List<CascadeFit.Item> items = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      boolean a = random.nextDouble() < 0.3;
      boolean b = random.nextDouble() < 0.3;
      double scoreA = a ? 0.9 : 0.1;
      boolean near = i % 5 == 0;
      double scoreB = near ? (b ? 0.45 : 0.55) : (b ? 0.8 + 0.1 * random.nextDouble() : 0.1 * random.nextDouble());
      items.add(new CascadeFit.Item(new double[] {scoreA, scoreB}, new boolean[] {scoreA >= 0.5, scoreB >= 0.5},
          new boolean[] {a, b}, new Boolean[] {a, b}, 0.01));
    }
    return items;
  }

  @Test
  void theChosenBandsSendOnlyTheItemsTheFirstScorerGetsWrong() {
    CascadeFit.Fit fit = CascadeFit.fit(CATEGORIES, THRESHOLDS, items(), 0.0);
    assertThat(fit.secondOnlyF1()).isEqualTo(1.0);
    assertThat(fit.firstOnlyF1()).isLessThan(0.9);
    assertThat(fit.chosen().microF1()).isEqualTo(1.0);
    assertThat(fit.f1Loss()).isEqualTo(0.0);
    assertThat(fit.chosen().escalatedShare()).isCloseTo(0.2, offset(1e-12));
    assertThat(fit.chosen().costPerItemUsd()).isCloseTo(0.2 * 0.01, offset(1e-12));
    // a needs no band; b's covers the items at 0.45 and 0.55 (0.20 log-odds from 0.5) and none of the
    // rest (0.8 and above or 0.1 and below: 1.39 log-odds or further)
    assertThat(fit.bands().get("a")).isEqualTo(0.0);
    assertThat(fit.bands().get("b")).isGreaterThan(0.2).isLessThanOrEqualTo(1.39);
  }

  @Test
  void theCurveRunsFromTheFirstScorerAloneToTheSecondAlone() {
    CascadeFit.Fit fit = CascadeFit.fit(CATEGORIES, THRESHOLDS, items(), 0.0);
    List<CascadeFit.Point> curve = fit.curve();
    assertThat(curve.get(0).escalatedShare()).isZero();
    assertThat(curve.get(0).microF1()).isEqualTo(fit.firstOnlyF1());
    assertThat(curve.get(0).costPerItemUsd()).isZero();
    CascadeFit.Point last = curve.get(curve.size() - 1);
    assertThat(last.escalatedShare()).isEqualTo(1.0);
    assertThat(last.band()).isEqualTo(CascadeFit.EVERY_ITEM);
    assertThat(last.microF1()).isEqualTo(fit.secondOnlyF1());
    assertThat(last.costPerItemUsd()).isCloseTo(0.01, offset(1e-12));
    for (int i = 1; i < curve.size(); i++) {
      assertThat(curve.get(i).band()).isGreaterThan(curve.get(i - 1).band());
      assertThat(curve.get(i).escalatedShare()).isGreaterThanOrEqualTo(curve.get(i - 1).escalatedShare());
    }
    assertThat(curve.size()).isBetween(3, CascadeFit.STEPS + 1);
  }

  @Test
  void aLooseToleranceSendsNothingOn() {
    CascadeFit.Fit fit = CascadeFit.fit(CATEGORIES, THRESHOLDS, items(), 0.5);
    assertThat(fit.chosen().escalatedShare()).isZero();
    assertThat(fit.chosen().microF1()).isEqualTo(fit.firstOnlyF1());
    assertThat(fit.f1Loss()).isLessThanOrEqualTo(0.5);
  }

  @Test
  void theChosenPointKeepsWithinTheToleranceAndSavesMoreAsItWidens() {
    double saved = -1;
    for (double tolerance : new double[] {0.0, 0.02, 0.05, 0.1}) {
      CascadeFit.Fit fit = CascadeFit.fit(CATEGORIES, THRESHOLDS, items(), tolerance);
      assertThat(fit.f1Loss()).isLessThanOrEqualTo(tolerance + 1e-12);
      assertThat(1 - fit.chosen().escalatedShare()).isGreaterThanOrEqualTo(saved);
      saved = 1 - fit.chosen().escalatedShare();
    }
    assertThat(saved).isGreaterThanOrEqualTo(0.8 - 1e-12);
  }

  @Test
  void anItemTheFirstScorerCouldNotScoreAlwaysGoesOn() {
    List<CascadeFit.Item> items = new ArrayList<>(items());
    items.set(1, new CascadeFit.Item(new double[] {Double.NaN, 0.1}, new boolean[] {false, false},
        new boolean[] {true, false}, new Boolean[] {true, false}, 0.01));
    CascadeFit.Fit fit = CascadeFit.fit(CATEGORIES, THRESHOLDS, items, 1.0);
    assertThat(fit.chosen().escalatedShare()).isCloseTo(1.0 / 400, offset(1e-12));
    assertThat(fit.curve().get(0).escalatedShare()).isCloseTo(1.0 / 400, offset(1e-12));
  }

  @Test
  void pairsWithoutAHumanLabelAreLeftOutOfF1() {
    List<CascadeFit.Item> items = new ArrayList<>();
    // the first scorer flags b wrongly on the unlabelled item only: F1 stays 1
    items.add(new CascadeFit.Item(new double[] {0.9, 0.9}, new boolean[] {true, true}, new boolean[] {true, false},
        new Boolean[] {true, null}, 0.0));
    items.add(new CascadeFit.Item(new double[] {0.1, 0.1}, new boolean[] {false, false}, new boolean[] {false, false},
        new Boolean[] {false, false}, 0.0));
    CascadeFit.Fit fit = CascadeFit.fit(CATEGORIES, THRESHOLDS, items, 0.0);
    assertThat(fit.firstOnlyF1()).isEqualTo(1.0);
    assertThat(fit.chosen().escalatedShare()).isZero();
  }

  @Test
  void aCategoryWithFewPositivesOnThePilotKeepsTheCommonBand() {
    // category r: 5 positives (far above its threshold) and 40 negatives just below it, all right:
    // narrowing r's band would cost nothing on the pilot, but 5 positives cannot show that
    List<CascadeFit.Item> items = new ArrayList<>();
    List<CascadeFit.Item> base = items();
    for (int i = 0; i < base.size(); i++) {
      CascadeFit.Item b = base.get(i);
      double r = i < 5 ? 0.9 : i < 45 ? 0.45 : 0.01;
      items.add(new CascadeFit.Item(new double[] {b.firstScores()[0], b.firstScores()[1], r},
          new boolean[] {b.firstLabels()[0], b.firstLabels()[1], r >= 0.5},
          new boolean[] {b.secondLabels()[0], b.secondLabels()[1], i < 5},
          new Boolean[] {b.humanLabels()[0], b.humanLabels()[1], i < 5}, 0.01));
    }
    CascadeFit.Fit fit = CascadeFit.fit(List.of("a", "b", "r"), new double[] {0.5, 0.5, 0.5}, items, 0.0);
    assertThat(fit.chosen().microF1()).isEqualTo(1.0);
    assertThat(fit.bands().get("a")).isEqualTo(0.0);
    assertThat(fit.bands().get("r")).isGreaterThan(0.2).isEqualTo(fit.bands().get("b"));
  }

  @Test
  void distanceIsInLogOddsAndClamped() {
    assertThat(CascadeFit.distance(0.5, 0.5)).isZero();
    assertThat(CascadeFit.distance(0.9, 0.5)).isCloseTo(Math.log(9), offset(1e-12));
    assertThat(CascadeFit.distance(0.001, 0.1)).isGreaterThan(CascadeFit.distance(0.09, 0.1) * 10);
    assertThat(CascadeFit.distance(0.0, 1.0)).isLessThan(CascadeFit.EVERY_ITEM).isGreaterThan(27.0);
  }

  @Test
  void noPilotItemsIsRefused() {
    assertThatThrownBy(() -> CascadeFit.fit(CATEGORIES, THRESHOLDS, List.of(), 0.01))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pilot");
  }
}
