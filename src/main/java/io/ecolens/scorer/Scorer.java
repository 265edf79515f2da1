package io.ecolens.scorer;

import java.util.List;

/**
 * Scores a batch of items against every category of a policy: one {@link CategoryScore} per item
 * and category. Implementations are created on executors by the score stage's scorer spec, once per
 * JVM, and may be called from several tasks at once, so they must be thread-safe.
 */
public interface Scorer {
  /** The scorer type, e.g. rules. */
  String type();

  /** Model name or rule-set id, part of the cache key. */
  String model();

  /** Scores a batch; a bad item becomes a failed row, never an exception for the batch. */
  List<CategoryScore> score(List<ScoringItem> items);

  /** The score at or above which this scorer labels the category violating. */
  default double threshold(io.ecolens.policy.Policy.Category category) {
    return category.threshold();
  }
}
