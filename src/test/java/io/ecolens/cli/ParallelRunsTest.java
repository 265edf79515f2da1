package io.ecolens.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.map_filter;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.catalog.CatalogServer;
import io.ecolens.tables.Table;
import io.ecolens.testing.ChildJvms;
import io.ecolens.testing.SparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code run}s with different run ids, each in a JVM of its own, at the same time on one
 * warehouse and its embedded catalog (served by {@link CatalogServer}): all succeed, and every
 * table holds exactly each run's rows. The runs read the same generated corpus (same seed, each
 * its own copy), so their rows must agree but for run ids, times, paths and measured latencies,
 * to 9 decimals.
 */
@Tag("slow")
class ParallelRunsTest extends SparkTest {
  private static final List<String> RUNS = List.of("parallel-1", "parallel-2", "parallel-3");
  /** Columns that differ between runs of the same corpus by nature: where it was read from, the config, timings. */
  private static final List<String> PER_RUN = List.of("run_id", "source", "source_file", "config_json", "latency_ms", "stage_seconds",
      "baseline_run", "report_path");

  @TempDir Path dir;

  private Path warehouse() {
    return dir.resolve("warehouse");
  }

  @AfterEach
  void stopCatalogServer() {
    CatalogServer.stop(warehouse()); // it would stop by itself after minutes without clients
  }

  private Process start(String runId) throws Exception {
    List<String> args = new ArrayList<>(ChildJvms.cli(dir.resolve(runId + "-ecolens.log")));
    args.addAll(List.of("run", "--run-id", runId, "--conf", "conf/local.yaml"));
    Path own = dir.resolve(runId);
    for (String set : List.of("spark.master=local[1]", "generate.rows=300", "sample.size=60",
        "sample.strata=[format]", "generate.output=" + own.resolve("demo"),
        "input.corpus.path=" + own.resolve("demo/corpus"), "input.labels.path=" + own.resolve("demo/labels"),
        "report.output=" + own.resolve("reports"), "catalog.warehouse=" + warehouse(), "gates=[]")) {
      args.add("--set");
      args.add(set);
    }
    return new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(dir.resolve(runId + ".log").toFile()).start();
  }

  @Test
  void threeRunsInSeparateJvmsShareOneWarehouseAndEachTableHoldsExactlyEachRunsRows() throws Exception {
    List<Process> processes = new ArrayList<>();
    for (String runId : RUNS) {
      processes.add(start(runId));
    }
    for (int i = 0; i < RUNS.size(); i++) {
      Process p = processes.get(i);
      boolean done = p.waitFor(12, TimeUnit.MINUTES);
      if (!done) {
        processes.forEach(Process::destroyForcibly); // never leave a child behind
      }
      assertThat(done).as("%s finished", RUNS.get(i)).isTrue();
      assertThat(p.exitValue()).as("exit code of %s; see %s", RUNS.get(i), dir.resolve(RUNS.get(i) + ".log")).isZero();
    }
    assertThat(Files.readString(warehouse().resolve("catalog-server.log"))).contains("catalog server of " + warehouse());

    for (Table table : Table.values()) {
      if (!table.partitionedByRun()) {
        continue;
      }
      Dataset<Row> rows = spark.read().format("delta").load(warehouse().resolve("ecolens.db").resolve(table.tableName()).toString());
      List<String> runIds = rows.select("run_id").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
      if (table == Table.EXPERIMENT_RESULTS || table == Table.GATE_RESULTS) {
        assertThat(runIds).as("%s: no rows of runs that write none", table).isEmpty();
        continue;
      }
      assertThat(runIds).as("runs holding rows in %s", table).containsExactlyInAnyOrderElementsOf(RUNS);
      Dataset<Row> first = comparable(table, rows, RUNS.get(0));
      assertThat(first.count()).as("rows of %s in %s", RUNS.get(0), table).isPositive();
      for (String other : RUNS.subList(1, RUNS.size())) {
        assertSameRows(first, comparable(table, rows, other));
      }
    }
  }

  /**
   * The rows of {@code runId} without what differs between runs by nature: besides the columns
   * above, whether a score was computed or reused from a run that scored the same text first
   * (which run that is depends on timing), and the figures counting such reuse or timing calls.
   */
  private static Dataset<Row> comparable(Table table, Dataset<Row> rows, String runId) {
    Dataset<Row> mine = rows.filter(col("run_id").equalTo(runId));
    if (table == Table.SCORES) {
      mine = mine.withColumn("status", when(col("status").equalTo("cached"), lit("ok")).otherwise(col("status")))
          .drop("attempts");
    }
    if (table == Table.RUNS) {
      mine = mine.withColumn("counts", map_filter(col("counts"), (key, value) -> key.notEqual(lit("cached"))));
    }
    if (table == Table.METRICS) {
      mine = mine.filter(col("metric").contains("latency").or(col("metric").equalTo("cached_items")).unary_$bang());
    }
    List<String> drop = new ArrayList<>(PER_RUN);
    for (StructField field : rows.schema().fields()) {
      if (field.dataType().equals(DataTypes.TimestampType)) {
        drop.add(field.name());
      } else if (field.dataType().equals(DataTypes.DoubleType)) {
        // sums over rows met in another order (computed or reused scores) differ in the last bits
        mine = mine.withColumn(field.name(), round(col(field.name()), 9));
      } else if (field.dataType() instanceof MapType) {
        mine = mine.withColumn(field.name(), array_sort(map_entries(col(field.name())))); // comparable, in key order
      }
    }
    return mine.drop(drop.toArray(String[]::new));
  }
}
