package io.ecolens.report;

import io.ecolens.tables.MetricRow;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the report shows for one run, read back from the tables (all of it small).
 *
 * @param metrics every {@code metrics} row of the run, prevalence included
 * @param run the {@code runs} row, or null when the run has not recorded one yet
 * @param reviewQueue review-queue rows per category
 * @param scoreStatus {@code scores} rows per status (ok, cached, error)
 * @param tableCounts counts taken from the tables themselves (sampled, scored, errors), the
 *     fallback when neither {@code runs} nor {@code metrics} carries them
 * @param scoreCostUsd Σ cost_usd of the run's scores; fallback for the runs row's cost
 * @param scoreInputTokens Σ input_tokens of the run's scores
 * @param scoreOutputTokens Σ output_tokens of the run's scores
 * @param noData why the run has no figures from model scores (it scored no item usably: how its
 *     items failed and the likely fix), or null when it has some
 */
record ReportData(String runId, Instant generatedAt, List<MetricRow> metrics, RunRecord run,
    Map<String, Long> reviewQueue, Map<String, Long> scoreStatus, Map<String, Long> tableCounts,
    Double scoreCostUsd, Long scoreInputTokens, Long scoreOutputTokens, String noData) {

  /** A run whose figures have data behind them. */
  ReportData(String runId, Instant generatedAt, List<MetricRow> metrics, RunRecord run, Map<String, Long> reviewQueue,
      Map<String, Long> scoreStatus, Map<String, Long> tableCounts, Double scoreCostUsd, Long scoreInputTokens,
      Long scoreOutputTokens) {
    this(runId, generatedAt, metrics, run, reviewQueue, scoreStatus, tableCounts, scoreCostUsd, scoreInputTokens,
        scoreOutputTokens, null);
  }

  ReportData {
    metrics = List.copyOf(metrics);
    reviewQueue = Map.copyOf(reviewQueue);
    scoreStatus = Map.copyOf(scoreStatus);
    tableCounts = Map.copyOf(tableCounts);
  }
}
