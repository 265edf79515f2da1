package io.ecolens.testing;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.map_filter;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.when;

import io.ecolens.tables.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;

/**
 * The rows two runs of the same corpus and config wrote, made comparable: the tests and the chaos
 * benchmark check that runs side by side, or killed and run again, end with exactly the rows of an
 * undisturbed run.
 */
public final class RunRows {
  /** Columns that differ between runs of the same corpus by nature: where it was read from, the config, timings. */
  private static final List<String> PER_RUN = List.of("run_id", "source", "source_file", "config_json", "latency_ms",
      "stage_seconds", "baseline_run", "report_path");

  private RunRows() {}

  /** All rows of an ecolens table under {@code warehouse}, read by path (no catalog needed). */
  public static Dataset<Row> table(SparkSession spark, Path warehouse, String database, Table table) {
    return spark.read().format("delta").load(warehouse.resolve(database + ".db").resolve(table.tableName()).toString());
  }

  /**
   * The rows of {@code runId} in {@code rows} (all rows of {@code table}) without what differs
   * between runs by nature: besides the columns above, whether a score was computed or reused from
   * a run that scored the same text first (which run that is depends on timing), the figures
   * counting such reuse or timing calls, the comparison with the latest earlier run (which run
   * that is depends on which finished first), and the last bits of sums over rows met in another order
   * (doubles are compared to 9 decimals).
   */
  public static Dataset<Row> comparable(Table table, Dataset<Row> rows, String runId) {
    Dataset<Row> mine = rows.filter(col("run_id").equalTo(runId));
    if (table == Table.SCORES) {
      mine = mine.withColumn("status", when(col("status").equalTo("cached"), lit("ok")).otherwise(col("status")))
          .drop("attempts");
    }
    if (table == Table.RUNS) {
      mine = mine.withColumn("counts", map_filter(col("counts"), (key, value) -> key.notEqual(lit("cached"))));
    }
    if (table == Table.METRICS) {
      mine = mine.filter(col("metric").contains("latency").or(col("metric").equalTo("cached_items"))
          .or(col("report").equalTo("comparison")).unary_$bang());
    }
    List<String> drop = new ArrayList<>(PER_RUN);
    for (StructField field : rows.schema().fields()) {
      if (field.dataType().equals(DataTypes.TimestampType)) {
        drop.add(field.name());
      } else if (field.dataType().equals(DataTypes.DoubleType)) {
        mine = mine.withColumn(field.name(), round(col(field.name()), 9));
      } else if (field.dataType() instanceof MapType) {
        mine = mine.withColumn(field.name(), array_sort(map_entries(col(field.name())))); // comparable, in key order
      }
    }
    return mine.drop(drop.toArray(String[]::new));
  }

  /**
   * Rows of {@code expected} missing from {@code actual} plus rows of {@code actual} not in {@code
   * expected}, duplicates counted (0 when the two runs hold the same rows).
   */
  public static long differingRows(Table table, Dataset<Row> rows, String expected, String actual) {
    Dataset<Row> want = comparable(table, rows, expected);
    Dataset<Row> got = comparable(table, rows, actual);
    return want.exceptAll(got).count() + got.exceptAll(want).count();
  }

  /** Up to {@code limit} rows each that only {@code expected} or only {@code actual} holds, for a failure message. */
  public static String describeDifference(Table table, Dataset<Row> rows, String expected, String actual, int limit) {
    Dataset<Row> want = comparable(table, rows, expected);
    Dataset<Row> got = comparable(table, rows, actual);
    return table.tableName() + " " + String.join(",", want.columns()) + "\n only in " + expected + ": "
        + want.exceptAll(got).limit(limit).collectAsList() + "\n only in " + actual + ": "
        + got.exceptAll(want).limit(limit).collectAsList();
  }
}
