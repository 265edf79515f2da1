package io.ecolens.experiment;

import org.apache.commons.math3.distribution.BinomialDistribution;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;

/**
 * McNemar's test of two judges' labels on the same items against the same reference. Only the
 * discordant items count: {@code b} items that judge A got right and judge B wrong, {@code c}
 * the other way round. Under the null hypothesis (equal error rates) each discordant item is a
 * fair coin.
 *
 * <p>With fewer than {@link #EXACT_BELOW} discordant items the two-sided exact binomial test is
 * used: p = min(1, 2 P(X ≤ min(b, c))), X ~ Binomial(b + c, 1/2). Otherwise the chi-square
 * statistic with Edwards' continuity correction, (max(0, |b − c| − 1))² / (b + c), against one
 * degree of freedom. With no discordant item there is nothing to test: p = 1.
 */
public record McNemar(long b, long c, String method, double statistic, double pValue) {
  /** Discordant counts below this use the exact binomial test. */
  public static final int EXACT_BELOW = 25;
  public static final String EXACT = "exact binomial";
  public static final String CHI_SQUARE = "chi-square, continuity corrected";
  public static final String NONE = "no discordant items";

  /** The test for {@code b} items only A got right and {@code c} items only B got right. */
  public static McNemar test(long b, long c) {
    if (b < 0 || c < 0) {
      throw new IllegalArgumentException("discordant counts must be at least 0, got b=" + b + ", c=" + c);
    }
    long n = b + c;
    if (n == 0) {
      return new McNemar(0, 0, NONE, 0.0, 1.0);
    }
    if (n < EXACT_BELOW) {
      BinomialDistribution coin = new BinomialDistribution(null, (int) n, 0.5);
      double p = Math.min(1.0, 2 * coin.cumulativeProbability((int) Math.min(b, c)));
      return new McNemar(b, c, EXACT, Math.min(b, c), p);
    }
    double corrected = Math.max(0, Math.abs(b - c) - 1.0);
    double statistic = corrected * corrected / n;
    double p = 1.0 - new ChiSquaredDistribution(null, 1).cumulativeProbability(statistic);
    return new McNemar(b, c, CHI_SQUARE, statistic, p);
  }
}
