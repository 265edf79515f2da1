package io.ecolens.scorer;

import java.util.Iterator;
import java.util.List;
import java.util.function.LongConsumer;

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

  /**
   * Scores one task's items lazily, calling {@code itemsDone} as items finish. By default in
   * batches of {@link ScoringTask#batchSize} ({@link PartitionScorer}); a scorer that calls an
   * endpoint keeps many requests in flight instead, within the task's share of the global limits.
   */
  default Iterator<Scored> scorePartition(Iterator<ScoringItem> items, ScoringTask task, LongConsumer itemsDone) {
    return new PartitionScorer(items, this, task.categories(), task.batchSize(), itemsDone);
  }

  /**
   * True when the scorer sends items to a remote endpoint (an LLM) whose failures are worth
   * retrying: a cascade escalating to it streams its uncertain items through {@link #scorePartition}
   * and keeps a failure as error rows, so that a later run sends the item again.
   */
  default boolean remote() {
    return false;
  }
}
