package io.ecolens.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.EcolensException;
import io.ecolens.testing.SparkTest;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class TableStoreTest extends SparkTest {

  private static Dataset<Row> labels(String runId, String... contentIds) {
    StructType schema = new StructType()
        .add("run_id", DataTypes.StringType)
        .add("content_id", DataTypes.StringType)
        .add("category", DataTypes.StringType)
        .add("label", DataTypes.BooleanType)
        .add("annotator_id", DataTypes.StringType)
        .add("labeled_at", DataTypes.TimestampType)
        .add("policy_version", DataTypes.StringType);
    List<Row> rows = java.util.Arrays.stream(contentIds)
        .map(id -> RowFactory.create(runId, id, "spam_scam", true, "a1", null, "v1"))
        .toList();
    return spark.createDataFrame(rows, schema);
  }

  @Test
  void rewritingARunReplacesItsRowsAndKeepsOtherRuns() {
    TableStore store = new TableStore(spark, "store_test");
    store.ensureAll();
    store.replaceRun(Table.POLICY_LABELS, "r1", labels("r1", "a", "b"));
    store.replaceRun(Table.POLICY_LABELS, "r2", labels("r2", "c"));
    store.replaceRun(Table.POLICY_LABELS, "r1", labels("r1", "a", "b"));

    assertThat(store.readRun(Table.POLICY_LABELS, "r1").count()).isEqualTo(2);
    assertThat(store.readRun(Table.POLICY_LABELS, "r2").count()).isEqualTo(1);
  }

  @Test
  void everyPerRunTableIsPartitionedByRunAndEmbeddingsIsNot() {
    TableStore store = new TableStore(spark, "store_test");
    store.ensureAll();
    for (Table t : Table.values()) {
      Row detail = sql("DESCRIBE DETAIL store_test." + t.tableName()).first();
      List<String> partitions = detail.getList(detail.fieldIndex("partitionColumns"));
      assertThat(partitions).as(t.tableName()).isEqualTo(t == Table.EMBEDDINGS ? List.of() : List.of("run_id"));
    }
  }

  @Test
  void tablesCarryColumnComments() {
    TableStore store = new TableStore(spark, "store_test");
    store.ensureAll();
    List<Row> described = sql("DESCRIBE TABLE store_test.scores").collectAsList();
    Row promptHash = described.stream().filter(r -> r.getString(0).equals("prompt_hash")).findFirst().orElseThrow();
    assertThat(promptHash.getString(2)).startsWith("SHA-256 of the rendered prompt");
  }

  @Test
  void missingRunNamesTheStageToRunFirst() {
    TableStore store = new TableStore(spark, "store_test");
    store.ensureAll();
    assertThatThrownBy(() -> store.requireRun(Table.SAMPLES, "nope", "sample"))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("store_test.samples has no rows for run_id 'nope'")
        .hasMessageContaining("Run 'sample' with --run-id nope first");
  }
}
