package io.ecolens.gate;

import io.ecolens.tables.FigureKey;
import org.apache.spark.sql.Row;

/** One {@code metrics} row of a run: its key, value, 95% interval (may be null) and n (may be null). */
public record Figure(FigureKey key, double value, Double ciLow, Double ciHigh, Long n) {

  /** True when both ends of the interval are known. */
  public boolean hasInterval() {
    return ciLow != null && ciHigh != null;
  }

  /** Reads a row shaped like {@code metrics}, columns by name; null when its value is null. */
  static Figure of(Row row) {
    Double value = row.getAs("value");
    if (value == null || value.isNaN()) {
      return null;
    }
    return new Figure(new FigureKey(row.getAs("report"), row.getAs("metric"), row.getAs("category"),
        row.getAs("slice_key"), row.getAs("slice_value")), value, row.getAs("ci_low"), row.getAs("ci_high"),
        row.getAs("n"));
  }
}
