package io.ecolens.scorer.openai;

import io.ecolens.config.OpenAiSettings;
import java.io.Serializable;

/**
 * One task's share of the job's global limits. The scoring Dataset has {@code tasks} partitions and
 * at most that many tasks run at once, so partition {@code i} gets {@code max-concurrency / tasks}
 * in-flight requests (the remainder going to the first partitions) and an equal part of the
 * requests- and tokens-per-minute budgets: the shares add up to the global limit, never more. The
 * in-flight shares of the tasks running in one JVM are pooled ({@link InFlightPool}).
 */
public record TaskShare(int concurrency, double requestsPerMinute, double tokensPerMinute)
    implements Serializable {

  /** The share of partition {@code partition} of {@code tasks} concurrent tasks. */
  public static TaskShare of(OpenAiSettings s, int tasks, int partition) {
    if (tasks < 1) {
      throw new IllegalArgumentException("tasks must be at least 1, cannot be: " + tasks);
    }
    int base = s.maxConcurrency() / tasks;
    int concurrency = base + (partition % tasks < s.maxConcurrency() % tasks ? 1 : 0);
    return new TaskShare(Math.max(1, concurrency),
        s.requestsPerMinute() <= 0 ? 0 : (double) s.requestsPerMinute() / tasks,
        s.tokensPerMinute() <= 0 ? 0 : (double) s.tokensPerMinute() / tasks);
  }
}
