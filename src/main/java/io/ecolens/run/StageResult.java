package io.ecolens.run;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What a finished stage tells the run ledger and the console; implementations are immutable records. */
public interface StageResult {
  /** Counts merged into {@code runs.counts}, e.g. read, accepted, sampled. */
  Map<String, Long> counts();

  /** One line saying what the stage did, e.g. "read 20,000 = accepted 19,900 + ...". */
  String summary();

  /** Further lines for the console (a table of figures, a warning); none by default. */
  default List<String> details() {
    return List.of();
  }

  /** The run's scoring spend, recorded in {@code runs}; empty for stages that do not score. */
  default Optional<Spend> spend() {
    return Optional.empty();
  }

  /** Tokens and dollars of the run's scoring. */
  record Spend(long inputTokens, long outputTokens, double costUsd) {}
}
