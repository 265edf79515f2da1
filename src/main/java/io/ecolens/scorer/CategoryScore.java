package io.ecolens.scorer;

/**
 * A scorer's verdict on one item for one category, with what it cost. {@code error} is set (and
 * label/score null) when the item could not be scored.
 */
public record CategoryScore(
    String contentId,
    String category,
    Boolean label,
    Double score,
    String rationale,
    String error,
    long inputTokens,
    long outputTokens,
    double latencyMs,
    double costUsd,
    int attempts,
    String decidedBy) {

  /** A verdict whose deciding scorer is the configured one (recorded by the score stage). */
  public CategoryScore(String contentId, String category, Boolean label, Double score, String rationale,
      String error, long inputTokens, long outputTokens, double latencyMs, double costUsd, int attempts) {
    this(contentId, category, label, score, rationale, error, inputTokens, outputTokens, latencyMs, costUsd,
        attempts, null);
  }

  /** The same verdict, recorded as decided by the scorer of type {@code scorer} (e.g. in a cascade). */
  public CategoryScore decidedBy(String scorer, String rationalePrefix) {
    return new CategoryScore(contentId, category, label, score,
        rationalePrefix == null ? rationale : rationalePrefix + rationale, error, inputTokens, outputTokens,
        latencyMs, costUsd, attempts, scorer);
  }

  /** A successful verdict with no token cost (local scorers). */
  public static CategoryScore local(String contentId, String category, double score, double threshold,
      String rationale, double latencyMs) {
    return new CategoryScore(contentId, category, score >= threshold, score, rationale, null, 0, 0,
        latencyMs, 0.0, 1);
  }

  /** A failed item: the reason is kept, the verdict is null. */
  public static CategoryScore failed(String contentId, String category, String error, int attempts) {
    return new CategoryScore(contentId, category, null, null, null, error, 0, 0, 0.0, 0.0, attempts);
  }
}
