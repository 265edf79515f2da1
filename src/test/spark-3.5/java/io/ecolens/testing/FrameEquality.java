package io.ecolens.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Order-insensitive DataFrame equality on Spark 3.5: spark-testing-base's. */
final class FrameEquality {
  private FrameEquality() {}

  static void assertSameRows(Dataset<Row> expected, Dataset<Row> actual) {
    new JavaDataFrameSuiteBase().assertDataFrameNoOrderEquals(expected, actual);
  }
}
