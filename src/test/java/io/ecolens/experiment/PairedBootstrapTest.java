package io.ecolens.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The paired bootstrap against an exact bootstrap distribution. With n = 5 items every one of the
 * 5^5 = 3,125 equally likely resamples is enumerated here, with F1 and average precision written
 * out from their textbook definitions (not through the code under test); the Monte Carlo
 * bootstrap must match the exact mean difference, share of positive differences and p-value.
 */
class PairedBootstrapTest {
  private static final List<String> ONE = List.of("c");
  // item:                        0    1    2    3    4
  private static final int[] HUMAN = {1, 1, 0, 0, 1};
  private static final int[] LABEL_A = {1, 0, 0, 1, 1};
  private static final double[] SCORE_A = {0.9, 0.4, 0.2, 0.7, 0.8};
  private static final int[] LABEL_B = {1, 1, 0, 0, 0};
  private static final double[] SCORE_B = {0.95, 0.6, 0.1, 0.3, 0.45};

  private static Judgements judge(int[] labels, double[] scores) {
    StringBuilder s = new StringBuilder();
    for (int l : labels) {
      s.append(l);
    }
    return Judgements.of(ONE, new String[] {s.toString()}, scores == null ? null : new double[][] {scores});
  }

  private static PairedBootstrap.Difference pooled(List<PairedBootstrap.Difference> ds, String metric) {
    return ds.stream().filter(d -> d.metric().equals(metric) && d.category().equals("c")).findFirst().orElseThrow();
  }

  @Test
  void observedDifferencesMatchHandComputedValues() {
    List<PairedBootstrap.Difference> ds = new PairedBootstrap(1000, 7).compare(judge(HUMAN, null),
        judge(LABEL_A, SCORE_A), judge(LABEL_B, SCORE_B));
    // A: tp 2 (items 0, 4), fp 1 (item 3), fn 1 (item 1): F1 = 4 / 6. B: tp 2, fp 0, fn 1: F1 = 4 / 5.
    PairedBootstrap.Difference f1 = pooled(ds, PairedBootstrap.F1);
    assertThat(f1.a()).isCloseTo(4.0 / 6, within(1e-12));
    assertThat(f1.b()).isCloseTo(0.8, within(1e-12));
    assertThat(f1.diff()).isCloseTo(0.8 - 4.0 / 6, within(1e-12));
    // A ranks 0+, 4+, 3-, 1+, 2-: AP = (1 + 1 + 3/4) / 3. B ranks all three positives first: AP = 1.
    PairedBootstrap.Difference ap = pooled(ds, PairedBootstrap.AUPRC);
    assertThat(ap.a()).isCloseTo(2.75 / 3, within(1e-12));
    assertThat(ap.b()).isCloseTo(1.0, within(1e-12));
    assertThat(f1.n()).isEqualTo(5);
  }

  @Test
  void monteCarloBootstrapMatchesTheExactBootstrapDistribution() {
    Exact f1 = new Exact();
    Exact ap = new Exact();
    int[] counts = new int[5];
    for (int code = 0; code < 3125; code++) {
      java.util.Arrays.fill(counts, 0);
      for (int d = 0, c = code; d < 5; d++, c /= 5) {
        counts[c % 5]++;
      }
      f1.add(f1(counts, LABEL_B) - f1(counts, LABEL_A));
      double apB = averagePrecision(counts, SCORE_B);
      double apA = averagePrecision(counts, SCORE_A);
      if (!Double.isNaN(apA)) {
        ap.add(apB - apA);
      }
    }
    List<PairedBootstrap.Difference> ds = new PairedBootstrap(20_000, 11).compare(judge(HUMAN, null),
        judge(LABEL_A, SCORE_A), judge(LABEL_B, SCORE_B));
    PairedBootstrap.Difference mf1 = pooled(ds, PairedBootstrap.F1);
    PairedBootstrap.Difference map = pooled(ds, PairedBootstrap.AUPRC);
    // Monte Carlo standard errors at B = 20,000 are about 0.002 (means) and 0.0035 (shares)
    assertThat(mf1.replicateMean()).isCloseTo(f1.mean(), within(0.01));
    assertThat(mf1.shareAboveZero()).isCloseTo(f1.shareAbove(), within(0.015));
    assertThat(mf1.pValue()).isCloseTo(f1.pValue(), within(0.03));
    assertThat(map.replicateMean()).isCloseTo(ap.mean(), within(0.01));
    assertThat(map.shareAboveZero()).isCloseTo(ap.shareAbove(), within(0.015));
    assertThat(map.pValue()).isCloseTo(ap.pValue(), within(0.03));
    // with five items nothing is significant: the interval of the F1 difference spans 0
    assertThat(mf1.low()).isLessThan(0);
    assertThat(mf1.high()).isGreaterThan(0);
    assertThat(mf1.significant()).isFalse();
  }

  @Test
  void aClearlyBetterJudgeIsSignificantAndTheSeedReproducesTheInterval() {
    // 200 items, 40 violating: A misses half the violations, B misses none; both have 4 false positives.
    int n = 200;
    StringBuilder h = new StringBuilder();
    StringBuilder a = new StringBuilder();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      boolean violating = i < 40;
      h.append(violating ? '1' : '0');
      a.append(violating ? (i % 2 == 0 ? '1' : '0') : (i >= 196 ? '1' : '0'));
      b.append(violating || i >= 196 ? '1' : '0');
    }
    Judgements human = Judgements.of(ONE, new String[] {h.toString()}, null);
    Judgements ja = Judgements.of(ONE, new String[] {a.toString()}, null);
    Judgements jb = Judgements.of(ONE, new String[] {b.toString()}, null);
    PairedBootstrap.Difference first = pooled(new PairedBootstrap(1000, 3).compare(human, ja, jb), PairedBootstrap.F1);
    PairedBootstrap.Difference again = pooled(new PairedBootstrap(1000, 3).compare(human, ja, jb), PairedBootstrap.F1);
    // A: tp 20, fp 4, fn 20 -> 40/64; B: tp 40, fp 4, fn 0 -> 80/84
    assertThat(first.diff()).isCloseTo(80.0 / 84 - 40.0 / 64, within(1e-12));
    assertThat(first.significant()).isTrue();
    assertThat(first.low()).isGreaterThan(0);
    assertThat(first.pValue()).isLessThan(0.01);
    assertThat(again).isEqualTo(first);
    // McNemar on the same items: 20 right only by B, 0 only by A -> exact, 2 / 2^20
    McNemar m = Leaderboard.mcnemar(human, ja, jb, 0);
    assertThat(m.b()).isZero();
    assertThat(m.c()).isEqualTo(20);
    assertThat(m.pValue()).isCloseTo(2.0 / (1 << 20), within(1e-15));
  }

  @Test
  void refusesTooFewReplicatesAndMismatchedJudgements() {
    assertThatThrownBy(() -> new PairedBootstrap(10, 1)).hasMessageContaining("at least 100").hasMessageContaining("10");
    Judgements five = judge(HUMAN, null);
    Judgements three = Judgements.of(ONE, new String[] {"101"}, null);
    assertThatThrownBy(() -> new PairedBootstrap(100, 1).compare(five, five, three))
        .hasMessageContaining("same items");
  }

  /** F1 of {@code labels} against HUMAN with item i counted counts[i] times: 2tp / (2tp + fp + fn). */
  private static double f1(int[] counts, int[] labels) {
    double tp = 0;
    double fp = 0;
    double fn = 0;
    for (int i = 0; i < 5; i++) {
      tp += counts[i] * (HUMAN[i] == 1 && labels[i] == 1 ? 1 : 0);
      fp += counts[i] * (HUMAN[i] == 0 && labels[i] == 1 ? 1 : 0);
      fn += counts[i] * (HUMAN[i] == 1 && labels[i] == 0 ? 1 : 0);
    }
    return tp + fp + fn == 0 ? 0 : 2 * tp / (2 * tp + fp + fn);
  }

  /** AP = Σ_k (R_k − R_{k−1}) P_k over the distinct drawn scores, highest first; NaN without positives. */
  private static double averagePrecision(int[] counts, double[] scores) {
    double positives = 0;
    TreeSet<Double> thresholds = new TreeSet<>();
    for (int i = 0; i < 5; i++) {
      positives += counts[i] * HUMAN[i];
      if (counts[i] > 0) {
        thresholds.add(scores[i]);
      }
    }
    if (positives == 0) {
      return Double.NaN;
    }
    double ap = 0;
    double previousRecall = 0;
    for (double t : thresholds.descendingSet()) {
      double tp = 0;
      double all = 0;
      for (int i = 0; i < 5; i++) {
        if (scores[i] >= t) {
          tp += counts[i] * HUMAN[i];
          all += counts[i];
        }
      }
      double recall = tp / positives;
      ap += (recall - previousRecall) * (tp / all);
      previousRecall = recall;
    }
    return ap;
  }

  /** The exact distribution of a difference over equally likely resamples. */
  private static final class Exact {
    private final List<Double> values = new ArrayList<>();

    void add(double v) {
      values.add(v);
    }

    double mean() {
      return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    double shareAbove() {
      return values.stream().filter(v -> v > 0).count() / (double) values.size();
    }

    double pValue() {
      double atLeast = values.stream().filter(v -> v >= 0).count() / (double) values.size();
      double atMost = values.stream().filter(v -> v <= 0).count() / (double) values.size();
      return Math.min(1, 2 * Math.min(atLeast, atMost));
    }
  }
}
