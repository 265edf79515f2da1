package io.ecolens.gate;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Which earlier run a run is compared with when no baseline is named. */
class GateBaselineTest extends SparkTest {
  private static final String DB = "gate_baseline_test";
  private static GateStage gates;

  @BeforeAll
  static void runs() {
    TableStore store = new TableStore(spark, DB);
    store.ensureAll();
    gates = new GateStage(spark, store, ConfigLoader.load(Path.of("conf/local.yaml"), List.of("catalog.database=" + DB)));
    Map<String, Double> pipeline = Map.of("ingest", 1.0, "sample", 1.0, "score", 1.0, "evaluate", 1.0, "report", 1.0);
    run(store, "daily-1", "succeeded", 1, pipeline);
    run(store, "daily-2", "failed", 2, pipeline);
    run(store, "exp-1.llm-large", "succeeded", 3, Map.of("score", 1.0)); // an experiment variant: score only
    run(store, "daily-3", "running", 4, Map.of("ingest", 1.0));
    for (String runId : List.of("daily-1", "daily-2", "exp-1.llm-large")) {
      store.replaceRun(Table.METRICS, runId, rows(List.of(runId, "scoring", "error_rate", "all", "all", "all", 0.0)));
    }
  }

  private static void run(TableStore store, String runId, String status, int hour, Map<String, Double> stages) {
    Object[] cells = new Object[Table.RUNS.schema().fields().length];
    for (int i = 0; i < cells.length; i++) {
      switch (Table.RUNS.schema().fields()[i].name()) {
        case "run_id" -> cells[i] = runId;
        case "status" -> cells[i] = status;
        case "started_at" -> cells[i] = Timestamp.valueOf("2026-11-2" + hour + " 06:00:00");
        case "stage_seconds" -> cells[i] = scala.collection.JavaConverters.mapAsScalaMap(stages);
        default -> { }
      }
    }
    store.replaceRun(Table.RUNS, runId, spark.createDataFrame(List.of(RowFactory.create(cells)), Table.RUNS.schema()));
  }

  /** One metrics row from run, report, metric, category, slice key, slice value, value. */
  private static Dataset<Row> rows(List<Object> v) {
    StructField[] fields = Table.METRICS.schema().fields();
    Object[] cells = new Object[fields.length];
    List<String> names = List.of("run_id", "report", "metric", "category", "slice_key", "slice_value", "value");
    for (int i = 0; i < fields.length; i++) {
      int at = names.indexOf(fields[i].name());
      cells[i] = at < 0 ? null : v.get(at);
    }
    List<Row> out = new ArrayList<>();
    out.add(RowFactory.create(cells));
    return spark.createDataFrame(out, Table.METRICS.schema());
  }

  @Test
  void theBaselineIsTheLatestSucceededReportedRunNotAnExperimentVariantOrAFailedRun() {
    assertThat(gates.baseline("daily-3")).isEqualTo("daily-1");
  }

  @Test
  void theFirstRunHasNoBaseline() {
    assertThat(gates.baseline("daily-1")).isNull();
  }
}
