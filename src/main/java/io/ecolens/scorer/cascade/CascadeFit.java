package io.ecolens.scorer.cascade;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fits a cascade's escalation bands on labelled pilot items, each scored by both steps: the first
 * scorer's score and verdict per category, the second scorer's verdict, the human label (null where
 * there is none) and what the second scorer cost.
 *
 * <p>An item goes to the second scorer when, for any category, the first scorer's score lies within
 * that category's band of its threshold ({@linkplain #distance in log-odds}), or it has no score;
 * the second scorer's verdicts then stand for all its categories. Every band at
 * {@link #EVERY_ITEM} is the second scorer alone.
 *
 * <ol>
 *   <li>The trade-off curve: one band for every category, from 0 (nothing escalated) to all,
 *       at the bands that escalate 0, 1/40, …, 40/40 of the items; each point has the escalated
 *       share, the micro F1 against the human labels and the second scorer's cost per item.
 *   <li>The start: the curve's point with the smallest share whose F1 is at least the second
 *       scorer's alone minus {@code tolerance}.
 *   <li>Each category with at least {@value #MIN_POSITIVES} positive human labels on the pilot
 *       (the others keep the common band: a few positives cannot tell what narrowing costs) has its
 *       band narrowed in turn, twice over, to the narrowest candidate (0,
 *       or a 1/40 quantile of that category's own distances from its threshold) that keeps micro
 *       F1 within the tolerance and lowers no category's own F1 below both
 *       its F1 before and its F1 with the second scorer alone minus the tolerance (micro F1 alone
 *       would give up a rare category's few positives): the chosen point.
 * </ol>
 *
 * Fitted on the pilot items alone: with a few hundred items the chosen point's F1 is an in-sample
 * figure, and the run's own evaluation is the one to trust.
 */
public final class CascadeFit {
  /** Points of the curve and quantile candidates per category: every 1/{@value} of the items. */
  static final int STEPS = 40;
  /**
   * The band that sends every item on: wider than any two scores can be apart in log-odds (scores
   * are clamped to 1e-6 .. 1 - 1e-6 first, so at most 27.7 apart).
   */
  public static final double EVERY_ITEM = 30.0;
  /** The fewest human positives of a category on the pilot for its band to be narrowed below the common one. */
  static final int MIN_POSITIVES = 30;
  private static final double CLAMP = 1e-6;

  /** One pilot item: per category (policy order) the first scorer's score (NaN when none) and verdicts. */
  public record Item(double[] firstScores, boolean[] firstLabels, boolean[] secondLabels, Boolean[] humanLabels,
      double secondCostUsd) {}

  /** A point of the curve: the band (the same for every category on the curve), share escalated, micro F1, cost. */
  public record Point(double band, double escalatedShare, double microF1, double costPerItemUsd) {}

  /**
   * The fit: the curve, the chosen point and its bands per category, micro F1 of each step alone,
   * the tolerance and the number of pilot items.
   */
  public record Fit(List<Point> curve, Point chosen, Map<String, Double> bands, double firstOnlyF1,
      double secondOnlyF1, double tolerance, int items) {
    /** Points of micro F1 the chosen bands lose against the second scorer alone (negative: they gain). */
    public double f1Loss() {
      return secondOnlyF1 - chosen.microF1();
    }
  }

  private final List<String> categories;
  private final double[] thresholds;
  private final List<Item> items;

  private CascadeFit(List<String> categories, double[] thresholds, List<Item> items) {
    this.categories = categories;
    this.thresholds = thresholds;
    this.items = items;
  }

  /** Fits the bands of {@code categories} (the first scorer's {@code thresholds}, same order) on {@code items}. */
  public static Fit fit(List<String> categories, double[] thresholds, List<Item> items, double tolerance) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("a cascade's bands need at least one labelled pilot item");
    }
    return new CascadeFit(categories, thresholds, items).fit(tolerance);
  }

  private Fit fit(double tolerance) {
    int c = categories.size();
    double[] minDistance = items.stream().mapToDouble(this::minDistance).sorted().toArray();
    List<Point> curve = new ArrayList<>();
    for (int step = 0; step <= STEPS; step++) {
      double band = quantileBand(minDistance, step);
      if (curve.isEmpty() || curve.get(curve.size() - 1).band() != band) {
        curve.add(tally(filled(c, band)).point(band, items.size()));
      }
    }
    double firstOnly = curve.get(0).microF1();
    Tally secondAlone = tally(filled(c, EVERY_ITEM));
    double secondOnly = secondAlone.microF1();
    double floor = secondOnly - tolerance - 1e-12;
    Point start = curve.stream().filter(p -> p.microF1() >= floor)
        .min((a, b) -> Double.compare(a.escalatedShare(), b.escalatedShare())).orElse(curve.get(curve.size() - 1));
    double[] bands = filled(c, start.band());
    Tally chosen = tally(bands);
    for (int pass = 0; pass < 2; pass++) {
      for (int k = 0; k < c; k++) {
        if (secondAlone.tp()[k] + secondAlone.fn()[k] < MIN_POSITIVES) {
          continue; // too few positives on the pilot to tell what narrowing would cost
        }
        for (double candidate : candidates(k)) {
          if (candidate >= bands[k]) {
            continue;
          }
          double kept = bands[k];
          bands[k] = candidate;
          Tally t = tally(bands);
          // a narrower band only ever sends fewer items on: it is kept while F1 holds
          if (t.microF1() >= floor && keepsEveryCategory(t, chosen, secondAlone, tolerance)) {
            chosen = t;
          } else {
            bands[k] = kept;
          }
        }
      }
    }
    Map<String, Double> fitted = new LinkedHashMap<>();
    for (int k = 0; k < c; k++) {
      fitted.put(categories.get(k), bands[k]);
    }
    return new Fit(curve, chosen.point(Double.NaN, items.size()), fitted, firstOnly, secondOnly, tolerance,
        items.size());
  }

  /** Band candidates for category {@code k}: 0 and the 1/40 quantiles of its own distances from the threshold. */
  private double[] candidates(int k) {
    double[] d = items.stream().mapToDouble(i -> distance(i, k)).filter(x -> !Double.isNaN(x)).sorted().toArray();
    double[] out = new double[STEPS + 1];
    for (int step = 0; step <= STEPS; step++) {
      out[step] = d.length == 0 ? 0.0 : quantileBand(d, step);
    }
    return Arrays.stream(out).distinct().toArray();
  }

  /** The band under which {@code step}/40 of the sorted distances fall (0 for none, {@link #EVERY_ITEM} for all). */
  private static double quantileBand(double[] sorted, int step) {
    int k = (int) Math.round((double) step * sorted.length / STEPS);
    if (k <= 0) {
      return 0.0;
    }
    return k >= sorted.length ? EVERY_ITEM : Math.max(0.0, Math.nextUp(sorted[k - 1]));
  }

  /**
   * True when no category's F1 in {@code narrower} falls below both its F1 in {@code current} and
   * its F1 with the second scorer alone minus the tolerance: a rare category, with a handful of
   * positives among the pilot's items, keeps its band where the micro F1 would not notice its loss.
   */
  private static boolean keepsEveryCategory(Tally narrower, Tally current, Tally secondAlone, double tolerance) {
    for (int k = 0; k < narrower.tp().length; k++) {
      double bound = Math.min(current.f1(k), secondAlone.f1(k) - tolerance) - 1e-12;
      if (narrower.f1(k) < bound) {
        return false;
      }
    }
    return true;
  }

  /** The pilot's items scored by the cascade with some bands: items escalated, their cost, counts per category. */
  private record Tally(long escalated, double cost, long[] tp, long[] fp, long[] fn) {
    double microF1() {
      long t = Arrays.stream(tp).sum();
      return t == 0 ? 0.0 : 2.0 * t / (2.0 * t + Arrays.stream(fp).sum() + Arrays.stream(fn).sum());
    }

    /** F1 of category {@code k}; 1 when it has no positive verdict and no positive label. */
    double f1(int k) {
      long denominator = 2 * tp[k] + fp[k] + fn[k];
      return denominator == 0 ? 1.0 : 2.0 * tp[k] / denominator;
    }

    Point point(double band, int items) {
      return new Point(band, (double) escalated / items, microF1(), cost / items);
    }
  }

  private Tally tally(double[] bands) {
    int c = bands.length;
    long[] tp = new long[c];
    long[] fp = new long[c];
    long[] fn = new long[c];
    long escalated = 0;
    double cost = 0;
    for (Item item : items) {
      boolean up = escalated(item, bands);
      if (up) {
        escalated++;
        cost += item.secondCostUsd();
      }
      boolean[] verdicts = up ? item.secondLabels() : item.firstLabels();
      for (int k = 0; k < c; k++) {
        Boolean human = item.humanLabels()[k];
        if (human == null) {
          continue;
        }
        if (verdicts[k] && human) {
          tp[k]++;
        } else if (verdicts[k]) {
          fp[k]++;
        } else if (human) {
          fn[k]++;
        }
      }
    }
    return new Tally(escalated, cost, tp, fp, fn);
  }

  private boolean escalated(Item item, double[] bands) {
    for (int k = 0; k < bands.length; k++) {
      if (within(item.firstScores()[k], thresholds[k], bands[k])) {
        return true;
      }
    }
    return false;
  }

  /**
   * True when a first-step score (NaN for none) sends its item on: no score, or within {@code band}
   * of the threshold in log-odds. The one rule of the fit and of {@link CascadeScorer} scoring with it.
   */
  public static boolean within(double score, double threshold, double band) {
    return Double.isNaN(score) || distance(score, threshold) < band;
  }

  private double minDistance(Item item) {
    double min = EVERY_ITEM;
    for (int k = 0; k < thresholds.length; k++) {
      double d = distance(item, k);
      min = Double.isNaN(d) ? -1.0 : Math.min(min, d);
      if (min < 0) {
        return min;
      }
    }
    return min;
  }

  private double distance(Item item, int k) {
    double s = item.firstScores()[k];
    return Double.isNaN(s) ? Double.NaN : distance(s, thresholds[k]);
  }

  /**
   * How far a score lies from its threshold, in log-odds: |logit(score) - logit(threshold)|, the
   * margin of a logistic head. Unlike the plain difference it tells a score of 0.001 from one of
   * 0.09 below a threshold of 0.1, which is where a rare category's thresholds lie.
   */
  public static double distance(double score, double threshold) {
    return Math.abs(logit(score) - logit(threshold));
  }

  private static double logit(double p) {
    double q = Math.min(1 - CLAMP, Math.max(CLAMP, p));
    return Math.log(q / (1 - q));
  }

  private static double[] filled(int n, double value) {
    double[] a = new double[n];
    Arrays.fill(a, value);
    return a;
  }
}
