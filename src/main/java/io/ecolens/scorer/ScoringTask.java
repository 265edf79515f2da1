package io.ecolens.scorer;

import java.io.Serializable;
import java.util.List;

/**
 * One Spark task's part of the scoring: the policy's categories, the batch size, and which of the
 * {@code tasks} concurrent partitions it is, so that a scorer calling an endpoint can take its share
 * of the job's global limits; the tasks of one scoring carry the same {@code limitGroup}, under
 * which those running in one JVM pool their shares.
 */
public record ScoringTask(List<String> categories, int batchSize, int tasks, int partition, String limitGroup)
    implements Serializable {
  public ScoringTask {
    categories = List.copyOf(categories);
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, cannot be: " + batchSize);
    }
    if (tasks < 1) {
      throw new IllegalArgumentException("tasks must be at least 1, cannot be: " + tasks);
    }
  }
}
