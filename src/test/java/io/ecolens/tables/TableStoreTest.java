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

  /**
   * Writes of different sections of one run at the same moment read and replace files of the same
   * partition, so Delta fails all but one commit of each round with a ConcurrentAppendException;
   * the store writes them again, and every section ends with exactly its rows.
   */
  @Test
  void writesOfOneRunAtOnceRetryDeltaConflictsAndKeepEveryRow() throws Exception {
    TableStore store = new TableStore(spark, "store_test");
    store.ensureAll();
    int writers = 4;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
    try {
      for (int round = 0; round < 2; round++) {
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(writers);
        List<java.util.concurrent.Future<?>> writes = new java.util.ArrayList<>();
        for (int w = 0; w < writers; w++) {
          String section = "section-" + w;
          Dataset<Row> rows = rows(Table.METRICS,
              row("run_id", "r-conflict", "report", section, "metric", "m1", "value", 1.0 + round),
              row("run_id", "r-conflict", "report", section, "metric", "m2", "value", 2.0 + round),
              row("run_id", "r-conflict", "report", section, "metric", "m3", "value", 3.0 + round));
          writes.add(pool.submit(() -> {
            together.await();
            store.replaceRunPart(Table.METRICS, "r-conflict", "report", section, rows);
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> write : writes) {
          write.get(5, java.util.concurrent.TimeUnit.MINUTES);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    Dataset<Row> run = store.readRun(Table.METRICS, "r-conflict");
    assertThat(run.count()).isEqualTo(writers * 3L);
    for (int w = 0; w < writers; w++) {
      assertThat(run.filter("report = 'section-" + w + "' AND value > 1.5").count())
          .as("section-%d holds its second round's rows", w).isEqualTo(3);
    }
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
