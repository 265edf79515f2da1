package io.ecolens.experiment;

import io.ecolens.evaluate.Agreement;
import io.ecolens.evaluate.Ranking;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Bootstrap over items, the same resample for every judge (paired): each replicate draws n items
 * with replacement from a {@link SplittableRandom} seeded with {@code seed}, so a figure is
 * reproducible from (items, iterations, seed). An item drawn m times counts m times, in every
 * category at once, so the dependence between one item's categories is kept.
 *
 * <p>Statistics: F1 per category and micro-averaged over the categories (one pooled confusion
 * matrix, {@link Agreement}); average precision per category ({@link Ranking}, scikit-learn's
 * step-wise definition) and its macro average over the categories. A pair of an item and a
 * category counts only where the human label and the judge's verdict (for a comparison: both
 * judges' verdicts) exist.
 *
 * <p>Intervals are percentile intervals (2.5% and 97.5% quantiles of the replicates, linear
 * interpolation between order statistics). The two-sided p-value of a difference is
 * min(1, 2 min(share of replicates ≤ 0, share ≥ 0)). Average precision is undefined (NaN, unlike
 * {@link Ranking}'s 0) in a replicate without positives; such replicates are left out of that
 * figure's interval and p-value, and the macro average covers the categories where it is defined.
 */
public final class PairedBootstrap {
  /** Statistics computed. */
  public static final String F1 = "f1";
  public static final String AUPRC = "auprc";
  /** The category name of the pooled figures (micro F1, macro AUPRC). */
  public static final String ALL = "all";

  private final int iterations;
  private final long seed;

  public PairedBootstrap(int iterations, long seed) {
    if (iterations < 100) {
      throw new IllegalArgumentException("bootstrap iterations must be at least 100, cannot be: " + iterations);
    }
    this.iterations = iterations;
    this.seed = seed;
  }

  public int iterations() {
    return iterations;
  }

  public long seed() {
    return seed;
  }

  /** A figure with its 95% percentile interval and the items it was computed on. */
  public record Estimate(String metric, String category, double value, double low, double high, long n) {}

  /** Variant B minus variant A on the same items: observed difference, interval, replicates' summary. */
  public record Difference(String metric, String category, double a, double b, double diff, double low,
      double high, double pValue, double replicateMean, double shareAboveZero, long n) {
    /** True when the 95% interval of the difference excludes 0. */
    public boolean significant() {
      return low > 0 || high < 0;
    }
  }

  /** F1 and AUPRC of one judge, per category and pooled, with bootstrap intervals. */
  public List<Estimate> estimate(Judgements human, Judgements judge) {
    Paired p = new Paired(human, judge, judge);
    double[] observed = p.statistics(ones(human.items()));
    double[][] replicates = replicate(p, observed.length);
    List<Estimate> out = new ArrayList<>();
    for (int s = 0; s < observed.length; s++) {
      double[] values = column(replicates, s);
      out.add(new Estimate(p.metric(s), p.category(s), observed[s], quantile(values, 0.025),
          quantile(values, 0.975), p.pairs(s)));
    }
    return out;
  }

  /** B − A for F1 and AUPRC, per category and pooled, on the items where both have a verdict. */
  public List<Difference> compare(Judgements human, Judgements a, Judgements b) {
    Paired pa = new Paired(human, a, b);
    Paired pb = new Paired(human, b, a);
    int[] all = ones(human.items());
    double[] oa = pa.statistics(all);
    double[] ob = pb.statistics(all);
    SplittableRandom random = new SplittableRandom(seed);
    double[][] diffs = new double[iterations][];
    for (int r = 0; r < iterations; r++) {
      int[] weights = draw(random, human.items());
      double[] ra = pa.statistics(weights);
      double[] rb = pb.statistics(weights);
      double[] d = new double[ra.length];
      for (int s = 0; s < d.length; s++) {
        d[s] = rb[s] - ra[s];
      }
      diffs[r] = d;
    }
    List<Difference> out = new ArrayList<>();
    for (int s = 0; s < oa.length; s++) {
      // replicates where the figure is undefined for either judge (AUPRC without positives) are left out
      double[] values = Arrays.stream(column(diffs, s)).filter(v -> !Double.isNaN(v)).toArray();
      int m = values.length;
      long above = Arrays.stream(values).filter(v -> v > 0).count();
      long below = Arrays.stream(values).filter(v -> v < 0).count();
      double p = m == 0 ? Double.NaN
          : Math.min(1.0, 2 * Math.min((double) (m - below) / m, (double) (m - above) / m));
      out.add(new Difference(pa.metric(s), pa.category(s), oa[s], ob[s], ob[s] - oa[s], quantile(values, 0.025),
          quantile(values, 0.975), p, Arrays.stream(values).average().orElse(Double.NaN),
          m == 0 ? Double.NaN : (double) above / m, pa.pairs(s)));
    }
    return out;
  }

  private double[][] replicate(Paired p, int statistics) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] out = new double[iterations][];
    for (int r = 0; r < iterations; r++) {
      out[r] = p.statistics(draw(random, p.human.items()));
    }
    return out;
  }

  /** How often each of n items is drawn in n draws with replacement. */
  static int[] draw(SplittableRandom random, int n) {
    int[] counts = new int[n];
    for (int i = 0; i < n; i++) {
      counts[random.nextInt(n)]++;
    }
    return counts;
  }

  private static int[] ones(int n) {
    int[] w = new int[n];
    Arrays.fill(w, 1);
    return w;
  }

  private static double[] column(double[][] rows, int s) {
    double[] v = new double[rows.length];
    for (int r = 0; r < rows.length; r++) {
      v[r] = rows[r][s];
    }
    return v;
  }

  /** Quantile q of the values (type 7: linear interpolation between order statistics); NaNs ignored. */
  static double quantile(double[] values, double q) {
    double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    double h = (v.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(v.length - 1, lo + 1);
    return v[lo] + (h - lo) * (v[hi] - v[lo]);
  }

  /**
   * One judge's statistics on the pairs where the human label, this judge's verdict and the other
   * judge's verdict all exist. Layout of the statistics vector: F1 per category, micro F1, AP per
   * category, macro AP.
   */
  private static final class Paired {
    private final Judgements human;
    private final Judgements judge;
    private final int categories;
    private final boolean[][] usable;
    private final int[][] byScore;

    Paired(Judgements human, Judgements judge, Judgements other) {
      if (human.items() != judge.items() || human.items() != other.items()
          || !human.categories().equals(judge.categories()) || !human.categories().equals(other.categories())) {
        throw new IllegalArgumentException("judgements must cover the same items and categories");
      }
      this.human = human;
      this.judge = judge;
      this.categories = human.categories().size();
      this.usable = new boolean[categories][human.items()];
      this.byScore = new int[categories][];
      for (int k = 0; k < categories; k++) {
        List<Integer> scored = new ArrayList<>();
        for (int i = 0; i < human.items(); i++) {
          usable[k][i] = human.label(k, i) != Judgements.MISSING && judge.label(k, i) != Judgements.MISSING
              && other.label(k, i) != Judgements.MISSING;
          if (usable[k][i] && !Double.isNaN(judge.score(k, i))) {
            scored.add(i);
          }
        }
        final int cat = k;
        byScore[k] = scored.stream().sorted(Comparator.comparingDouble((Integer i) -> -judge.score(cat, i)))
            .mapToInt(Integer::intValue).toArray();
      }
    }

    String metric(int s) {
      return s <= categories ? F1 : AUPRC;
    }

    String category(int s) {
      int k = s <= categories ? s : s - categories - 1;
      return k == categories ? ALL : human.categories().get(k);
    }

    long pairs(int s) {
      int k = s <= categories ? s : s - categories - 1;
      return IntStream.range(0, categories).filter(c -> k == categories || c == k)
          .mapToLong(c -> IntStream.range(0, human.items()).filter(i -> usable[c][i]).count()).sum();
    }

    double[] statistics(int[] weights) {
      double[] out = new double[2 * (categories + 1)];
      Agreement pooled = new Agreement(0, 0, 0, 0);
      double apSum = 0;
      int apCount = 0;
      for (int k = 0; k < categories; k++) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long tn = 0;
        for (int i = 0; i < weights.length; i++) {
          if (weights[i] == 0 || !usable[k][i]) {
            continue;
          }
          boolean h = human.label(k, i) == 1;
          boolean j = judge.label(k, i) == 1;
          if (h && j) {
            tp += weights[i];
          } else if (j) {
            fp += weights[i];
          } else if (h) {
            fn += weights[i];
          } else {
            tn += weights[i];
          }
        }
        Agreement a = new Agreement(tp, fp, fn, tn);
        out[k] = a.f1();
        pooled = pooled.plus(a);
        double ap = averagePrecision(k, weights);
        out[categories + 1 + k] = ap;
        if (!Double.isNaN(ap)) {
          apSum += ap;
          apCount++;
        }
      }
      out[categories] = pooled.f1();
      out[2 * categories + 1] = apCount == 0 ? Double.NaN : apSum / apCount;
      return out;
    }

    /** AP over the drawn items in descending score order, ties sharing a threshold; NaN without positives. */
    private double averagePrecision(int k, int[] weights) {
      Ranking ranking = new Ranking();
      int[] order = byScore[k];
      int at = 0;
      while (at < order.length) {
        double score = judge.score(k, order[at]);
        long positives = 0;
        long negatives = 0;
        while (at < order.length && judge.score(k, order[at]) == score) {
          int i = order[at++];
          if (human.label(k, i) == 1) {
            positives += weights[i];
          } else {
            negatives += weights[i];
          }
        }
        if (positives + negatives > 0) {
          ranking.add(positives, negatives);
        }
      }
      return ranking.positives() == 0 ? Double.NaN : ranking.averagePrecision();
    }
  }
}
