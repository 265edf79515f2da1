package io.ecolens.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;

/**
 * JUnit 5 base for Spark tests: the shared session, plus spark-testing-base's order-insensitive
 * DataFrame comparison.
 */
public abstract class SparkTest {
  protected static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = TestSpark.session();
  }

  /** Fails unless both frames hold the same rows (in any order) with the same schema. */
  protected static void assertSameRows(Dataset<Row> expected, Dataset<Row> actual) {
    new JavaDataFrameSuiteBase().assertDataFrameNoOrderEquals(expected, actual);
  }

  /** Runs a SQL statement on the shared session. */
  protected static Dataset<Row> sql(String statement) {
    return spark.sql(statement);
  }
}
