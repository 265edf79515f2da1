package io.ecolens.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.ecolens.catalog.CatalogServer;
import io.ecolens.tables.Table;
import io.ecolens.testing.ChildRuns;
import io.ecolens.testing.RunRows;
import io.ecolens.testing.SparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code run}s with different run ids, each in a JVM of its own, at the same time on one
 * warehouse and its embedded catalog (served by {@link CatalogServer}); one of them is killed with
 * SIGKILL at a random moment and run again with the same run id. All end successfully, and every
 * table holds exactly each run's rows: the runs read the same generated corpus, so their rows must
 * agree (see {@link RunRows#comparable}). {@code jobs/bench.sh chaos} kills runs at many more points.
 */
@Tag("slow")
class ParallelRunsTest extends SparkTest {
  private static final List<String> RUNS = List.of("parallel-1", "parallel-2", "parallel-3");
  private static final String KILLED = "parallel-3";

  @TempDir Path dir;

  private Path warehouse() {
    return dir.resolve("warehouse");
  }

  @AfterEach
  void stopCatalogServer() {
    CatalogServer.stop(warehouse()); // it would stop by itself after minutes without clients
  }

  @Test
  void threeRunsInSeparateJvmsShareOneWarehouseAndEachTableHoldsExactlyEachRunsRows() throws Exception {
    long seed = System.nanoTime();
    long killAfterMillis = 5_000 + new Random(seed).nextInt(40_000);
    List<Process> processes = new ArrayList<>();
    for (String runId : RUNS) {
      processes.add(ChildRuns.start(dir, warehouse(), runId, "local[1]", 300));
    }
    Process killed = processes.get(RUNS.indexOf(KILLED));
    if (!killed.waitFor(killAfterMillis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
      killed.destroyForcibly();
      killed.waitFor();
    }
    String killedIn = ChildRuns.stageInProgress(ChildRuns.log(dir, KILLED));
    String about = KILLED + " killed after " + killAfterMillis + " ms (seed " + seed + "), in " + killedIn;
    for (int i = 0; i < RUNS.size(); i++) {
      if (!RUNS.get(i).equals(KILLED)) {
        int code = ChildRuns.finish(processes.get(i), RUNS.get(i), 12);
        if (code != 0) {
          fail("%s exited with %d (%s)%s", RUNS.get(i), code, about, ChildRuns.failureDetail(dir, RUNS.get(i)));
        }
      }
    }
    int again = ChildRuns.finish(ChildRuns.start(dir, warehouse(), KILLED, "local[2]", 300), KILLED, 12);
    if (again != 0) {
      fail("%s run again exited with %d%s", about, again, ChildRuns.failureDetail(dir, KILLED));
    }
    assertThat(Files.readString(warehouse().resolve("catalog-server.log"))).contains("catalog server of " + warehouse());

    for (Table table : Table.values()) {
      if (!table.partitionedByRun()) {
        continue;
      }
      Dataset<Row> rows = RunRows.table(spark, warehouse(), "ecolens", table);
      List<String> runIds = rows.select("run_id").distinct().as(Encoders.STRING()).collectAsList();
      if (table == Table.EXPERIMENT_RESULTS || table == Table.GATE_RESULTS || table == Table.LLM_BATCHES) {
        assertThat(runIds).as("%s: no rows of runs that write none", table).isEmpty();
        continue;
      }
      assertThat(runIds).as("runs holding rows in %s", table).containsExactlyInAnyOrderElementsOf(RUNS);
      Dataset<Row> first = RunRows.comparable(table, rows, RUNS.get(0));
      assertThat(first.count()).as("rows of %s in %s", RUNS.get(0), table).isPositive();
      for (String other : RUNS.subList(1, RUNS.size())) {
        if (RunRows.differingRows(table, rows, RUNS.get(0), other) != 0) {
          fail("rows of %s in %s differ from %s's (%s):%n%s", other, table, RUNS.get(0), about,
              RunRows.describeDifference(table, rows, RUNS.get(0), other, 10));
        }
      }
    }
  }
}
