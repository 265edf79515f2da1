package io.ecolens.gate;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.run.RunContext;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Which earlier run a run is compared with when no baseline is named. */
class GateBaselineTest extends SparkTest {
  private static final String DB = "gate_baseline_test";
  private static final GateStage GATES = new GateStage();
  private static EcolensConfig config;

  @BeforeAll
  static void runs() {
    TableStore store = new TableStore(spark, DB);
    store.ensureAll();
    config = ConfigLoader.load(Path.of("conf/local.yaml"), List.of("catalog.database=" + DB));
    Map<String, Double> pipeline = Map.of("ingest", 1.0, "sample", 1.0, "score", 1.0, "evaluate", 1.0, "report", 1.0);
    run(store, "daily-1", "succeeded", 1, pipeline);
    run(store, "daily-2", "failed", 2, pipeline);
    run(store, "exp-1.llm-large", "succeeded", 3, Map.of("score", 1.0)); // an experiment variant: score only
    run(store, "daily-3", "running", 4, Map.of("ingest", 1.0));
    for (String runId : List.of("daily-1", "daily-2", "exp-1.llm-large")) {
      store.replaceRun(Table.METRICS, runId, rows(Table.METRICS, row("run_id", runId, "report", "scoring",
          "metric", "error_rate", "category", "all", "slice_key", "all", "slice_value", "all", "value", 0.0)));
    }
  }

  private static void run(TableStore store, String runId, String status, int day, Map<String, Double> stages) {
    store.replaceRun(Table.RUNS, runId, rows(Table.RUNS, row("run_id", runId, "status", status,
        "started_at", Timestamp.valueOf("2026-11-2" + day + " 06:00:00"), "stage_seconds", stages)));
  }

  @Test
  void theBaselineIsTheLatestSucceededReportedRunNotAnExperimentVariantOrAFailedRun() {
    assertThat(GATES.baseline(new RunContext(spark, config, "daily-3"))).isEqualTo("daily-1");
  }

  @Test
  void theFirstRunHasNoBaseline() {
    assertThat(GATES.baseline(new RunContext(spark, config, "daily-1"))).isNull();
  }
}
