package io.ecolens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.gate.GateStage;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line with quality gates, three runs of the whole pipeline on one small generated
 * corpus: the first has no baseline (passes with a note), the second has the same data (passes, exit
 * 0), the third gets human labels from far noisier annotators, so agreement with the model
 * collapses and the F1 gate fails (exit 5).
 */
class GateCliTest extends SparkTest {
  private static final String DB = "gates_cli";
  /** F1 over all categories may drop 3 points; spam prevalence may rise 50%. */
  private static final String GATES = "gates=[{metric: f1, category: micro, max-drop: 0.03},"
      + " {metric: prevalence, category: spam_scam, max-rise-relative: 0.5}]";
  @TempDir static Path dir;
  private static TableStore store;
  private static final Map<String, Integer> EXIT = new java.util.HashMap<>();
  private static final Map<String, String> ERR = new java.util.HashMap<>();

  @BeforeAll
  static void threeRuns() {
    store = new TableStore(spark, DB);
    run("g1", "generate.enabled=true");
    run("g2", "generate.enabled=false");
    // same corpus (same seed), but the annotators now err 35-45% of the time
    run("g3", "generate.enabled=true", "generate.output=" + dir.resolve("noisy"),
        "input.corpus.path=" + dir.resolve("noisy/corpus"), "input.labels.path=" + dir.resolve("noisy/labels"),
        "generate.annotator-error-rates=[0.35, 0.40, 0.45]");
  }

  private static void run(String runId, String... extra) {
    List<String> args = new ArrayList<>(List.of("run", "--conf", "conf/local.yaml", "--run-id", runId));
    for (String s : List.of("generate.rows=1500", "generate.output=" + dir.resolve("demo"),
        "input.corpus.path=" + dir.resolve("demo/corpus"), "input.labels.path=" + dir.resolve("demo/labels"),
        "catalog.database=" + DB, "catalog.embedded=false", "spark.shuffle-partitions=2", "sample.size=300",
        "report.output=" + dir.resolve("reports"), GATES)) {
      args.add("--set");
      args.add(s);
    }
    for (String s : extra) {
      args.add("--set");
      args.add(s);
    }
    StringWriter err = new StringWriter();
    EXIT.put(runId, EcolensCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        args.toArray(String[]::new)));
    ERR.put(runId, err.toString());
  }

  private static Map<String, Row> gates(String runId) {
    return store.readRun(Table.GATE_RESULTS, runId).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("metric"), r -> r));
  }

  private static double comparison(String runId, String metric, String category) {
    return sql("SELECT value FROM " + DB + ".metrics WHERE run_id = '" + runId + "' AND report = 'comparison'"
        + " AND metric = '" + metric + "' AND category = '" + category + "' AND slice_key = 'all'").first().getDouble(0);
  }

  @Test
  void theFirstRunHasNoBaselineAndPassesWithANote() {
    assertThat(EXIT.get("g1")).as(ERR.get("g1")).isZero();
    Map<String, Row> gates = gates("g1");
    assertThat(gates).containsOnlyKeys("f1", "prevalence");
    for (Row g : gates.values()) {
      assertThat((String) g.getAs("status")).isEqualTo("no_baseline");
      assertThat((String) g.getAs("message")).contains("no earlier successful run to compare with");
      assertThat((Object) g.getAs("baseline_run_id")).isNull();
    }
    assertThat(store.readRun(Table.METRICS, "g1").filter("report = 'comparison'").count()).isZero();
  }

  @Test
  void aRunWithTheSameDataPassesItsGatesAndExitsZero() {
    assertThat(EXIT.get("g2")).as(ERR.get("g2")).isZero();
    Map<String, Row> gates = gates("g2");
    for (Row g : gates.values()) {
      assertThat((String) g.getAs("status")).isEqualTo("passed");
      assertThat((String) g.getAs("baseline_run_id")).isEqualTo("g1");
      assertThat((Double) g.getAs("delta")).isZero();
    }
    assertThat(comparison("g2", "f1_delta", "micro")).isZero();
    assertThat(comparison("g2", "precision_p_value", "micro")).isEqualTo(1.0);
    assertThat(comparison("g2", "prevalence_significant", "spam_scam")).isZero();
  }

  @Test
  void noisierHumanLabelsFailTheF1GateWithExitCode5() throws IOException {
    assertThat(EXIT.get("g3")).as(ERR.get("g3")).isEqualTo(5);
    assertThat(ERR.get("g3")).contains("quality gates failed for run g3: exit code 5");
    Map<String, Row> gates = gates("g3");
    Row f1 = gates.get("f1");
    assertThat((String) f1.getAs("status")).isEqualTo("failed");
    assertThat((String) f1.getAs("baseline_run_id")).isEqualTo("g2");
    assertThat((Double) f1.getAs("delta")).isLessThan(-0.03);
    assertThat((String) f1.getAs("message")).contains("f1[micro] in report agreement").contains("(max-drop 0.0300)");
    // the model's own labels did not change, so its prevalence did not move
    assertThat((String) gates.get("prevalence").getAs("status")).isEqualTo("passed");
    assertThat((Double) gates.get("prevalence").getAs("delta")).isZero();

    assertThat(comparison("g3", "f1_delta", "micro")).isEqualTo((Double) f1.getAs("delta"));
    assertThat(comparison("g3", "precision_significant", "micro")).isEqualTo(1.0);
    // the run itself completed: its tables and report are written and its stages succeeded
    Row run = store.readRun(Table.RUNS, "g3").first();
    assertThat((String) run.getAs("status")).isEqualTo("succeeded");
    assertThat(scala.collection.JavaConverters.mapAsJavaMap(run.<scala.collection.Map<String, Object>>getAs("counts")))
        .containsEntry("gates_checked", 2L).containsEntry("gates_failed", 1L);
    String html = Files.readString(dir.resolve("reports/g3/report.html"));
    assertThat(html).contains("Quality gates").contains("1 of 2 gates failed").contains("f1 [micro] max-drop 0.03");
    assertThat(Files.readString(dir.resolve("reports/g3/summary.json"))).contains("\"status\" : \"failed\"");
  }

  @Test
  void aRunThatFailedItsGatesIsNotTheNextBaseline() {
    GateStage stage = new GateStage(spark, store, ConfigLoader.load(Path.of("conf/local.yaml"),
        List.of("catalog.database=" + DB, GATES)));
    assertThat(stage.baseline("g4")).isEqualTo("g2"); // g3 is later, but failed a gate
  }
}
