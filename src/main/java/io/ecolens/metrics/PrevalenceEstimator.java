package io.ecolens.metrics;

import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Prevalence estimates with 95% intervals from per-stratum tallies of a stratified sample.
 *
 * <p>Two estimators, both pure functions of small mergeable tallies (Spark only sums rows):
 *
 * <ul>
 *   <li>{@link #stratified} — the whole run: p̂ = Σ_h W_h p̂_h with W_h = N_h / N, and the
 *       stratified variance Σ_h W_h² (1 − m_h/N_h) p̂_h (1 − p̂_h) / (m_h − 1). Here m_h is the
 *       number of sampled items of the stratum that carry a usable label; it equals the drawn n_h
 *       unless scoring failed for some items, which are then treated as missing at random within
 *       their stratum. {@link #stratified} gives the Wald interval, {@link #stratifiedWilson} (what
 *       the report writes) a Wilson interval on the effective sample size. Strata with m_h = 1 add no variance (it cannot be estimated from one item),
 *       and strata with no usable label are left out, N being the population of the strata kept.
 *   <li>{@link #ratio} — a slice that cuts across strata (e.g. one content format): the ratio
 *       estimator Σ w·y / Σ w with the design weights, and a Wilson score interval on Kish's
 *       effective sample size (Σ w)² / Σ w². Within a slice the per-stratum populations of the
 *       slice are unknown, so the stratified formula does not apply; Wilson behaves well for the
 *       small proportions and small slices typical here, where a Wald interval would collapse.
 *
 *   <li>{@link #linearizedRatio} — any design with unequal weights within a stratum (view-weighted
 *       πps samples) and every per-view rate: R̂ = Σ w·a·y / Σ w·a with a = 1 per item or a = views
 *       per view (the "violative view rate"), and the Taylor-linearised variance Σ_h n_h/(n_h − 1)
 *       Σ_i (z_i − z̄_h)² / (Σ w·a)² of z_i = w_i a_i (y_i − R̂), the with-replacement approximation
 *       within strata (Wolter 2007, ch. 6); Wilson interval on the effective n. {@link
 *       #linearizedDomainRatio} is the same for a domain that cuts across strata (one format).
 * </ul>
 *
 * <p>When no violation is observed at all, all of them report 0 with the rule-of-three style
 * one-sided bound [0, 1 − 0.05^(1/n)] (n the items, or Kish's effective n for a weighted slice or a
 * per-view rate); when every item (every unit of weight) violates, the mirror bound
 * [0.05^(1/n), 1]. Intervals are clipped to [0, 1].
 */
public final class PrevalenceEstimator {
  /** Two-sided 95% normal quantile. */
  public static final double Z = 1.96;

  private PrevalenceEstimator() {}

  /**
   * Labelled items of one stratum: its population N_h, the items with a usable label m_h, and
   * how many of them violate.
   */
  public record StratumTally(String stratum, long population, long observed, long positives) {
    public StratumTally {
      if (observed < 0 || positives < 0 || positives > observed) {
        throw new IllegalArgumentException(
            "stratum '" + stratum + "': positives must be in 0..observed, cannot be: " + positives + " of " + observed);
      }
      if (population < observed) {
        throw new IllegalArgumentException(
            "stratum '" + stratum + "': population (N_h) must be at least the observed items " + observed
                + ", cannot be: " + population);
      }
    }

    /** Sums two tallies of the same stratum (e.g. one per content format). */
    public StratumTally plus(StratumTally other) {
      return new StratumTally(stratum, Math.max(population, other.population),
          observed + other.observed, positives + other.positives);
    }
  }

  /** Design-weighted tally of a slice: items, violations, Σw, Σw·y and Σw². */
  public record WeightedTally(long observed, long positives, double weightSum, double weightedPositives,
      double weightSquares) {
    public WeightedTally {
      if (observed < 0 || positives < 0 || positives > observed) {
        throw new IllegalArgumentException(
            "positives must be in 0..observed, cannot be: " + positives + " of " + observed);
      }
      if (weightSum < 0 || weightedPositives < 0 || weightSquares < 0) {
        throw new IllegalArgumentException("weights must not be negative, cannot be: " + weightSum);
      }
    }

    /** The empty tally. */
    public static WeightedTally empty() {
      return new WeightedTally(0, 0, 0, 0, 0);
    }

    /** Sums two tallies (they are additive). */
    public WeightedTally plus(WeightedTally other) {
      return new WeightedTally(observed + other.observed, positives + other.positives,
          weightSum + other.weightSum, weightedPositives + other.weightedPositives,
          weightSquares + other.weightSquares);
    }

    /** Kish's effective sample size (Σw)² / Σw². */
    public double effectiveN() {
      return weightSquares == 0 ? 0 : weightSum * weightSum / weightSquares;
    }
  }

  /** A prevalence estimate, its 95% interval, and the items it rests on. */
  public record Estimate(double value, double ciLow, double ciHigh, long n) {}

  /** Stratified estimate over strata; null when no stratum has a labelled item. */
  public static Estimate stratified(List<StratumTally> strata) {
    long population = 0;
    long observed = 0;
    long positives = 0;
    for (StratumTally s : strata) {
      if (s.observed() > 0) {
        population += s.population();
        observed += s.observed();
        positives += s.positives();
      }
    }
    if (observed == 0) {
      return null;
    }
    if (positives == 0 || positives == observed) {
      return extreme(positives > 0, observed, observed);
    }
    double estimate = 0;
    double variance = 0;
    for (StratumTally s : strata) {
      if (s.observed() == 0) {
        continue;
      }
      double w = (double) s.population() / population;
      double p = (double) s.positives() / s.observed();
      estimate += w * p;
      if (s.observed() > 1) {
        double fpc = 1.0 - (double) s.observed() / s.population();
        variance += w * w * fpc * p * (1 - p) / (s.observed() - 1);
      }
    }
    double half = Z * Math.sqrt(variance);
    return new Estimate(estimate, clip(estimate - half), clip(estimate + half), observed);
  }

  /** Ratio estimate Σw·y / Σw with a Wilson interval on the effective n; null when empty. */
  public static Estimate ratio(WeightedTally tally) {
    if (tally.observed() == 0 || tally.weightSum() == 0) {
      return null;
    }
    double nEff = tally.effectiveN();
    if (tally.positives() == 0 || tally.positives() == tally.observed()) {
      return extreme(tally.positives() > 0, nEff, tally.observed());
    }
    double p = tally.weightedPositives() / tally.weightSum();
    double z2 = Z * Z;
    double denominator = 1 + z2 / nEff;
    double centre = (p + z2 / (2 * nEff)) / denominator;
    double half = Z / denominator * Math.sqrt(p * (1 - p) / nEff + z2 / (4 * nEff * nEff));
    return new Estimate(p, clip(centre - half), clip(centre + half), tally.observed());
  }

  /**
   * Sums of one stratum for the linearised ratio: items n, violations, Σ w·a, Σ w·a·y, Σ (w·a)² and
   * Σ (w·a)²·y (y is 0/1, so these give Σ z and Σ z² for any R̂).
   */
  public record RatioTally(String stratum, long observed, long positives, double wa, double way, double wa2,
      double wa2y) {
    public RatioTally plus(RatioTally o) {
      return new RatioTally(stratum, observed + o.observed, positives + o.positives, wa + o.wa, way + o.way,
          wa2 + o.wa2, wa2y + o.wa2y);
    }
  }

  /** Linearised ratio estimate over strata; null when nothing is observed. */
  public static Estimate linearizedRatio(List<RatioTally> strata) {
    return linearizedRatio(strata, t -> t.observed());
  }

  /**
   * Linearised ratio estimate of a domain (a slice that cuts across strata, e.g. one content
   * format): the tallies hold the domain's items of each stratum, and {@code stratumSizes} the
   * sampled items n_h of the whole stratum. Outside the domain z_i = 0, so Σz and Σz² are the
   * domain's own, while n_h stays the stratum's (the standard domain variance; using the domain's
   * item count instead would understate it). Null when nothing is observed.
   */
  public static Estimate linearizedDomainRatio(List<RatioTally> domain, Map<String, Long> stratumSizes) {
    return linearizedRatio(domain, t -> {
      Long size = stratumSizes.get(t.stratum());
      if (size == null || size < t.observed()) {
        throw new IllegalArgumentException("stratum '" + t.stratum() + "': the stratum's sampled items must be at least"
            + " the domain's " + t.observed() + ", cannot be: " + size);
      }
      return size;
    });
  }

  private static Estimate linearizedRatio(List<RatioTally> strata, ToLongFunction<RatioTally> stratumSize) {
    double wa = 0;
    double way = 0;
    double wa2 = 0;
    long observed = 0;
    for (RatioTally t : strata) {
      wa += t.wa();
      way += t.way();
      wa2 += t.wa2();
      observed += t.observed();
    }
    if (observed == 0 || wa <= 0) {
      return null;
    }
    if (way <= 1e-12 * wa || way >= (1 - 1e-12) * wa) {
      // No violative weight at all, or nothing else (sums of the same terms, up to rounding); with
      // views as a, an item without views carries no weight.
      return extreme(way > 1e-12 * wa, wa * wa / wa2, observed);
    }
    double r = way / wa;
    double variance = 0;
    for (RatioTally t : strata) {
      long n = stratumSize.applyAsLong(t);
      if (n < 2 || t.observed() == 0) {
        continue;
      }
      double sumZ = t.way() - r * t.wa();
      double sumZ2 = t.wa2y() * (1 - 2 * r) + r * r * t.wa2();
      variance += n / (n - 1.0) * (sumZ2 - sumZ * sumZ / n);
    }
    return wilsonOnEffectiveN(r, variance / (wa * wa), observed);
  }

  /**
   * The stratified estimate of {@link #stratified} with a Wilson interval on the effective sample
   * size n_eff = p̂ (1 − p̂) / Var(p̂) (Korn &amp; Graubard 1998; Dean &amp; Pagano 2015) instead of the Wald
   * interval: it covers better when some strata have few violations (94% against the Wald
   * interval's 92.5% in PrevalenceCoverageTest). The report writes this interval.
   */
  public static Estimate stratifiedWilson(List<StratumTally> strata) {
    Estimate wald = stratified(strata);
    if (wald == null || wald.value() == 0 || wald.value() == 1) {
      return wald;
    }
    double variance = stratifiedVariance(strata);
    return wilsonOnEffectiveN(wald.value(), variance, wald.n());
  }

  private static double stratifiedVariance(List<StratumTally> strata) {
    long population = 0;
    for (StratumTally s : strata) {
      if (s.observed() > 0) {
        population += s.population();
      }
    }
    double variance = 0;
    for (StratumTally s : strata) {
      if (s.observed() > 1) {
        double w = (double) s.population() / population;
        double p = (double) s.positives() / s.observed();
        variance += w * w * (1.0 - (double) s.observed() / s.population()) * p * (1 - p) / (s.observed() - 1);
      }
    }
    return variance;
  }

  /** Wilson interval for p̂ on n_eff = p̂(1 − p̂)/variance (the observed n when the variance is 0). */
  static Estimate wilsonOnEffectiveN(double p, double variance, long observed) {
    double nEff = variance > 0 ? p * (1 - p) / variance : observed;
    double z2 = Z * Z;
    double denominator = 1 + z2 / nEff;
    double centre = (p + z2 / (2 * nEff)) / denominator;
    double half = Z / denominator * Math.sqrt(p * (1 - p) / nEff + z2 / (4 * nEff * nEff));
    return new Estimate(p, clip(centre - half), clip(centre + half), observed);
  }

  /** 1 − 0.05^(1/n): the 95% upper bound on a proportion when none of n items is positive. */
  public static double zeroUpperBound(double n) {
    return 1 - Math.pow(0.05, 1 / n);
  }

  private static Estimate extreme(boolean allPositive, double boundN, long n) {
    double bound = zeroUpperBound(boundN);
    return allPositive ? new Estimate(1, 1 - bound, 1, n) : new Estimate(0, 0, bound, n);
  }

  private static double clip(double x) {
    return Math.max(0, Math.min(1, x));
  }
}
