package io.ecolens.run;

import io.ecolens.tables.Table;
import java.util.ArrayList;
import java.util.Collection;
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
    writeAll(ctx, List.of(this));
  }

  /** Replaces the rows of these report sections (all of {@code ctx}'s run) in {@code metrics}, in one commit. */
  public static void writeAll(RunContext ctx, Collection<MetricRows> sections) {
    List<Row> all = new ArrayList<>();
    List<String> reports = new ArrayList<>();
    for (MetricRows s : sections) {
      if (!s.runId.equals(ctx.runId())) {
        throw new IllegalArgumentException("metric rows of run " + s.runId + " written in run " + ctx.runId());
      }
      all.addAll(s.rows);
      reports.add(s.report);
    }
    ctx.store().replaceRunParts(Table.METRICS, ctx.runId(), "report", reports,
        ctx.spark().createDataFrame(all, Table.METRICS.schema()));
  }
}
