package io.ecolens.tables;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** One row of the {@code metrics} table, as the metrics stage writes it and the report reads it. */
public record MetricRow(String runId, String report, String metric, String category, String sliceKey,
    String sliceValue, Double value, Double ciLow, Double ciHigh, Long n) {

  /** Slice key and value of a whole-run figure. */
  public static final String ALL = "all";

  public MetricRow {
    category = category == null ? "" : category;
    sliceKey = sliceKey == null ? ALL : sliceKey;
    sliceValue = sliceValue == null ? ALL : sliceValue;
  }

  /** True for a whole-run figure (slice all/all). */
  public boolean wholeRun() {
    return ALL.equals(sliceKey) && ALL.equals(sliceValue);
  }

  /** Reads a row shaped like {@link Table#METRICS}, columns by name. */
  public static MetricRow of(Row row) {
    return new MetricRow(row.getAs("run_id"), row.getAs("report"), row.getAs("metric"), row.getAs("category"),
        row.getAs("slice_key"), row.getAs("slice_value"), row.getAs("value"), row.getAs("ci_low"),
        row.getAs("ci_high"), row.getAs("n"));
  }

  /** The rows as a DataFrame with the {@code metrics} schema. */
  public static Dataset<Row> toFrame(SparkSession spark, List<MetricRow> rows) {
    List<Row> values = rows.stream()
        .map(r -> RowFactory.create(r.runId, r.report, r.metric, r.category, r.sliceKey, r.sliceValue, r.value,
            r.ciLow, r.ciHigh, r.n))
        .toList();
    return spark.createDataFrame(values, Table.METRICS.schema());
  }
}
