package io.ecolens.report;

import io.ecolens.tables.MetricRow;
import java.util.List;
import java.util.Map;

/**
 * What the charts and the run-over-run lines need beyond {@link ReportData} (all of it small).
 *
 * @param scoreBins per category, scored rows per score bin (equal-width bins over 0..1)
 * @param historyRuns earlier runs (at most a few dozen) then this run, oldest first
 * @param history whole-run {@code metrics} rows of those runs (prevalence, agreement, diversity)
 */
record ChartData(Map<String, long[]> scoreBins, List<String> historyRuns, List<MetricRow> history) {
  /** Score bins of the distribution chart. */
  static final int BINS = 20;

  ChartData {
    scoreBins = Map.copyOf(scoreBins);
    historyRuns = List.copyOf(historyRuns);
    history = List.copyOf(history);
  }

  /** No chart inputs. */
  static ChartData empty() {
    return new ChartData(Map.of(), List.of(), List.of());
  }
}
