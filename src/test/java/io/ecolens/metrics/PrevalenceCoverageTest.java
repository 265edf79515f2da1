package io.ecolens.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.metrics.PrevalenceEstimator.Estimate;
import io.ecolens.metrics.PrevalenceEstimator.RatioTally;
import io.ecolens.metrics.PrevalenceEstimator.StratumTally;
import io.ecolens.sample.Allocation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Do the 95% intervals cover 95% of the time? A generated corpus of 20,000 items in 4 strata
 * with known violation rates (2%, 5%, 10%, 20%) and heavy-tailed views (more views on violating
 * items, so the view rate differs from the item rate), sampled 200 times with different seeds.
 */
class PrevalenceCoverageTest {
  private static final int REPETITIONS = 200;
  private static final int[] SIZES = {8000, 6000, 4000, 2000};
  private static final double[] RATES = {0.02, 0.05, 0.10, 0.20};
  private static int[] stratum;
  private static boolean[] violating;
  private static double[] views;

  static {
    Random random = new Random(2024);
    int n = Arrays.stream(SIZES).sum();
    stratum = new int[n];
    violating = new boolean[n];
    views = new double[n];
    int i = 0;
    for (int h = 0; h < SIZES.length; h++) {
      for (int j = 0; j < SIZES[h]; j++, i++) {
        stratum[i] = h;
        violating[i] = random.nextDouble() < RATES[h];
        // log-normal views, capped so that no item needs to be taken with certainty
        views[i] = Math.min(20_000, Math.exp(5 + 1.2 * random.nextGaussian() + (violating[i] ? 0.7 : 0)));
      }
    }
  }

  /** Stratified simple random samples (Neyman allocation, 600 items), per-item prevalence. */
  @Test
  void stratifiedItemIntervalsCoverTheTruth() {
    double truth = 0;
    for (boolean v : violating) {
      truth += v ? 1 : 0;
    }
    truth /= violating.length;
    Map<String, Long> population = new LinkedHashMap<>();
    Map<String, Double> priors = new LinkedHashMap<>();
    for (int h = 0; h < SIZES.length; h++) {
      population.put("s" + h, (long) SIZES[h]);
      priors.put("s" + h, RATES[h]);
    }
    Map<String, Long> allocation = Allocation.neyman(population, priors, 0.05, 600, 2);
    assertThat(allocation.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(600);
    int covered = 0;
    for (int rep = 0; rep < REPETITIONS; rep++) {
      Random random = new Random(rep);
      List<StratumTally> tallies = new ArrayList<>();
      for (int h = 0; h < SIZES.length; h++) {
        int[] members = members(h);
        shuffle(members, random);
        int m = allocation.get("s" + h).intValue();
        long positives = 0;
        for (int j = 0; j < m; j++) {
          positives += violating[members[j]] ? 1 : 0;
        }
        tallies.add(new StratumTally("s" + h, SIZES[h], m, positives));
      }
      Estimate e = PrevalenceEstimator.stratifiedWilson(tallies);
      covered += e.ciLow() <= truth && truth <= e.ciHigh() ? 1 : 0;
    }
    System.out.printf("coverage, stratified per-item prevalence (truth %.4f): %d of %d%n", truth, covered, REPETITIONS);
    assertThat(covered).isGreaterThanOrEqualTo((int) Math.ceil(0.93 * REPETITIONS));
  }

  /**
   * Probability-proportional-to-views samples (Pareto πps, 150 items per stratum), the violative
   * view rate Σ views·y / Σ views by the linearised ratio estimator. The per-item rate from the same
   * sample (weights 1/π, very unequal) is printed but not asserted: it covers about 91% here, a
   * known weakness of item estimates from a view-weighted design (draw an item-weighted sample for
   * item prevalence).
   */
  @Test
  void viewWeightedIntervalsCoverTheViewRateAndTheItemRate() {
    double viewTruth = 0;
    double allViews = 0;
    double itemTruth = 0;
    for (int i = 0; i < views.length; i++) {
      viewTruth += violating[i] ? views[i] : 0;
      allViews += views[i];
      itemTruth += violating[i] ? 1 : 0;
    }
    viewTruth /= allViews;
    itemTruth /= views.length;
    int coveredViews = 0;
    int coveredItems = 0;
    for (int rep = 0; rep < REPETITIONS; rep++) {
      Random random = new Random(10_000 + rep);
      List<RatioTally> byView = new ArrayList<>();
      List<RatioTally> byItem = new ArrayList<>();
      for (int h = 0; h < SIZES.length; h++) {
        int[] members = members(h);
        int n = 150;
        double total = 0;
        for (int i : members) {
          total += views[i];
        }
        double[] lambda = new double[members.length];
        Integer[] order = new Integer[members.length];
        double[] key = new double[members.length];
        for (int j = 0; j < members.length; j++) {
          lambda[j] = n * views[members[j]] / total;
          double u = random.nextDouble();
          key[j] = (u / (1 - u)) / (lambda[j] / (1 - lambda[j]));
          order[j] = j;
        }
        Arrays.sort(order, (a, b) -> Double.compare(key[a], key[b]));
        RatioTally v = new RatioTally("s" + h, 0, 0, 0, 0, 0, 0);
        RatioTally it = new RatioTally("s" + h, 0, 0, 0, 0, 0, 0);
        for (int j = 0; j < n; j++) {
          int idx = order[j];
          int item = members[idx];
          double w = 1 / lambda[idx];
          int y = violating[item] ? 1 : 0;
          double wa = w * views[item];
          v = v.plus(new RatioTally("s" + h, 1, y, wa, wa * y, wa * wa, wa * wa * y));
          it = it.plus(new RatioTally("s" + h, 1, y, w, w * y, w * w, w * w * y));
        }
        byView.add(v);
        byItem.add(it);
      }
      Estimate ev = PrevalenceEstimator.linearizedRatio(byView);
      Estimate ei = PrevalenceEstimator.linearizedRatio(byItem);
      coveredViews += ev.ciLow() <= viewTruth && viewTruth <= ev.ciHigh() ? 1 : 0;
      coveredItems += ei.ciLow() <= itemTruth && itemTruth <= ei.ciHigh() ? 1 : 0;
    }
    System.out.printf("coverage, view-weighted sample: view rate (truth %.4f) %d of %d; item rate (truth %.4f) %d of %d%n",
        viewTruth, coveredViews, REPETITIONS, itemTruth, coveredItems, REPETITIONS);
    assertThat(coveredViews).isGreaterThanOrEqualTo((int) Math.ceil(0.93 * REPETITIONS));
    assertThat(coveredItems).isGreaterThanOrEqualTo((int) Math.ceil(0.85 * REPETITIONS));
  }

  /**
   * Linearised ratio by hand, one stratum, w = 1, a = 1 (a simple random sample): 3 of 10 violate;
   * R = .3; Σz = 0; Σz² = 3·.49 + 7·.09 = 2.1; var = 10/9 · 2.1 / 100 = .0233333; n_eff = .21 / var = 9;
   * Wilson(p = .3, n = 9): z² = 3.8416, denom = 1.426844, centre = (.3 + .213422)/1.426844 = .359831,
   * half = 1.96/1.426844 · sqrt(.21/9 + 3.8416/324) -> [.102145, .617516].
   */
  @Test
  void linearizedRatioByHand() {
    Estimate e = PrevalenceEstimator.linearizedRatio(List.of(new RatioTally("a", 10, 3, 10, 3, 10, 3)));
    assertThat(e.value()).isCloseTo(0.3, within(1e-12));
    assertThat(e.ciLow()).isCloseTo(0.102145, within(1e-5));
    assertThat(e.ciHigh()).isCloseTo(0.617516, within(1e-5));
    Estimate none = PrevalenceEstimator.linearizedRatio(List.of(new RatioTally("a", 10, 0, 10, 0, 10, 0)));
    assertThat(none.value()).isZero();
    assertThat(none.ciHigh()).isCloseTo(1 - Math.pow(0.05, 0.1), within(1e-12)); // 0.258866
    assertThat(PrevalenceEstimator.linearizedRatio(List.of())).isNull();
  }

  private static int[] members(int h) {
    return java.util.stream.IntStream.range(0, stratum.length).filter(i -> stratum[i] == h).toArray();
  }

  private static void shuffle(int[] a, Random random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
