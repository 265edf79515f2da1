package io.ecolens.run;

import io.ecolens.tables.Table;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A small, driver-side batch of {@code metrics} rows for one report section of one run. Only for
 * figures already aggregated (a handful per category or slice), never for per-item data.
 */
public final class MetricRows {
  private final String runId;
  private final String report;
  private final List<Row> rows = new ArrayList<>();

  public MetricRows(String runId, String report) {
    this.runId = runId;
    this.report = report;
  }

  /** Adds one figure; {@code category} is "" when the metric has none. */
  public MetricRows add(String metric, String category, String sliceKey, String sliceValue,
      double value, Double ciLow, Double ciHigh, long n) {
    rows.add(RowFactory.create(runId, report, metric, category == null ? "" : category, sliceKey,
        sliceValue, value, ciLow, ciHigh, n));
    return this;
  }

  /** Rows added so far. */
  public List<Row> rows() {
    return List.copyOf(rows);
  }

  /** Replaces this report section's rows of the run in {@code metrics}. */
  public void write(RunContext ctx) {
    ctx.store().replaceRunPart(Table.METRICS, runId, "report", report,
        ctx.spark().createDataFrame(rows, Table.METRICS.schema()));
  }
}
