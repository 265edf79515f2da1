package io.ecolens.testing;

import io.ecolens.tables.Table;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;

/**
 * JUnit 5 base for Spark tests: the shared session, an order-insensitive DataFrame comparison
 * (spark-testing-base's on Spark 3.5, see the line's own {@code FrameEquality}), and rows of an
 * ecolens table written out column by column.
 */
public abstract class SparkTest {
  protected static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = TestSpark.session();
  }

  /** Fails unless both frames hold the same rows (in any order) with the same schema. */
  protected static void assertSameRows(Dataset<Row> expected, Dataset<Row> actual) {
    FrameEquality.assertSameRows(expected, actual);
  }

  /** Runs a SQL statement on the shared session. */
  protected static Dataset<Row> sql(String statement) {
    return spark.sql(statement);
  }

  /** Rows of a table from column → value maps; columns left out are null. */
  @SafeVarargs
  protected static Dataset<Row> rows(Table table, Map<String, Object>... values) {
    List<Row> rows = new ArrayList<>();
    StructField[] fields = table.schema().fields();
    for (Map<String, Object> v : values) {
      Object[] cells = new Object[fields.length];
      for (int i = 0; i < fields.length; i++) {
        cells[i] = v.get(fields[i].name());
      }
      rows.add(RowFactory.create(cells));
    }
    return spark.createDataFrame(rows, table.schema());
  }

  /** A column → value map from alternating names and values, for {@link #rows}. */
  protected static Map<String, Object> row(Object... keysAndValues) {
    Map<String, Object> map = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
