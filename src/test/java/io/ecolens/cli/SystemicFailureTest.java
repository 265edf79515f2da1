package io.ecolens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.simulator.LlmSimulator;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.DemoRuns;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * A judge that returns nothing usable, through the command line: the simulator answers every
 * request with prose instead of the items' verdicts, so every item of a 12-item sample fails.
 * {@code run} stops at the score stage with exit code 6 and the reason; {@code evaluate} writes no
 * agreement figure and prints "n/a (no scored items)"; {@code report} gives the gates status
 * {@code no_data} (the F1 gate fails with the scoring reason, the prevalence gate is set to pass)
 * and shows n/a in the report and summary.json. Scoring again against a healthy server with the
 * same run id then resumes and scores every item.
 */
@Tag("slow")
class SystemicFailureTest extends SparkTest {
  private static final String DB = "systemic_cli";
  private static final String RUN = "sf1";
  private static final String SCHEMA_ERROR = "malformed answer: not a JSON object with an 'items' array";
  private static final String GATES = "gates=[{metric: f1, category: micro, max-drop: 0.03}, "
      + "{metric: prevalence, category: spam_scam, max-rise-relative: 0.5, on-no-data: pass}]";
  @TempDir static Path dir;
  private static TableStore store;
  private static final Map<String, Integer> EXIT = new HashMap<>();
  private static final Map<String, String> OUT = new HashMap<>();
  private static final Map<String, String> ERR = new HashMap<>();
  private static long sampled;
  private static List<Row> scoresAfterFailure;
  private static Row runAfterFailure;
  private static Map<String, Row> gateRows;
  private static long healthyItems;

  @BeforeAll
  static void failThenResume() {
    store = new TableStore(spark, DB);
    Policy policy = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
    try (LlmSimulator unusable = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(2)
        .withAnswers(LlmSimulator.Answers.UNUSABLE), policy)) {
      run("run", unusable.endpoint(), "generate.enabled=true");
      sampled = store.readRun(Table.SAMPLES, RUN).count();
      scoresAfterFailure = store.readRun(Table.SCORES, RUN).collectAsList();
      runAfterFailure = store.readRun(Table.RUNS, RUN).first();
      run("evaluate", unusable.endpoint());
      run("report", unusable.endpoint());
      gateRows = store.readRun(Table.GATE_RESULTS, RUN).collectAsList().stream()
          .collect(Collectors.toMap(r -> r.<String>getAs("metric"), r -> r));
    }
    try (LlmSimulator healthy = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(2), policy)) {
      run("score", healthy.endpoint());
      healthyItems = healthy.stats().distinctItems();
    }
  }

  private static void run(String command, String endpoint, String... extra) {
    List<String> args = new ArrayList<>(List.of(command, "--conf", "conf/local.yaml", "--run-id", RUN));
    List<String> sets = DemoRuns.demoCorpus(dir, 200, DB);
    sets.addAll(List.of("catalog.embedded=false", "spark.shuffle-partitions=2", "sample.size=12",
        "sample.strata=[format]", "generate.enabled=false", "score.scorer=openai",
        "score.openai.endpoint=" + endpoint, "score.openai.model=sim-model",
        "score.openai.api-key-env=ECOLENS_SYSTEMIC_TEST_NO_KEY", "score.openai.items-per-request=4",
        "score.openai.max-attempts=2", "score.openai.max-concurrency=4", "score.openai.partitions=2",
        "score.openai.timeout-ms=5000", GATES));
    sets.addAll(List.of(extra));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    EXIT.put(command, EcolensCli.execute(new PrintWriter(out, true), new PrintWriter(err, true),
        args.toArray(String[]::new)));
    OUT.put(command, out.toString());
    ERR.put(command, err.toString());
  }

  @Test
  void theScoreStageStopsWithExitCode6AndOneMessageNamingTheReasonAndTheFix() {
    assertThat(sampled).isEqualTo(12);
    assertThat(EXIT.get("run")).as(ERR.get("run")).isEqualTo(6);
    assertThat(ERR.get("run"))
        .contains("error: Scoring failed systemically: 12 of the 12 items tried failed (100%); most common error "
            + "(12 items): \"" + SCHEMA_ERROR + "\"")
        .contains("past score.failure-bound (max-share 0.5 once 10 items are tried) with sim-model")
        .contains("Likely fix: the model does not follow the answer schema: try score.openai.response-format")
        .contains("score.openai.items-per-request", "score.openai.max-output-tokens")
        .contains("run score again with --run-id sf1");
    assertThat(OUT.get("run")).doesNotContain("evaluate ");
    assertThat((String) runAfterFailure.getAs("status")).isEqualTo("failed");
    assertThat((String) runAfterFailure.getAs("error")).startsWith("score: Scoring failed systemically: 12 of the 12 items");
  }

  @Test
  void theErrorRowsWrittenBeforeTheStopStay() {
    assertThat(scoresAfterFailure).hasSize(12 * 10);
    assertThat(scoresAfterFailure).allSatisfy(r -> {
      assertThat((String) r.getAs("status")).isEqualTo("error");
      assertThat((String) r.getAs("error")).isEqualTo(SCHEMA_ERROR + " (after 2 attempts)");
      assertThat((Object) r.getAs("label")).isNull();
    });
  }

  @Test
  void evaluateWritesNoAgreementFigureAndPrintsNotApplicable() {
    assertThat(EXIT.get("evaluate")).as(ERR.get("evaluate")).isZero();
    assertThat(OUT.get("evaluate"))
        .contains("0 labelled pairs")
        .contains("hate_speech" + " ".repeat(14) + "n/a (no scored items)")
        .contains("no agreement figures written: no scored items: 12 of the 12 items tried failed (100%)")
        .doesNotContain("0.000");
    assertThat(store.readRun(Table.METRICS, RUN)
        .filter("report LIKE 'agreement%' AND metric IN ('precision', 'recall', 'f1', 'accuracy', 'tp')").count())
        .isZero();
  }

  @Test
  void gatesGetStatusNoDataWithTheScoringReasonAndOnlyTheStrictOneFails() {
    assertThat(EXIT.get("report")).as(ERR.get("report")).isEqualTo(5);
    assertThat(ERR.get("report")).contains("quality gates failed for run sf1: exit code 5")
        .contains("1 of the 1 failed for lack of data (status no_data), not for a change in quality");
    assertThat(gateRows).containsOnlyKeys("f1", "prevalence");
    Row f1 = gateRows.get("f1");
    assertThat((String) f1.getAs("status")).isEqualTo("no_data");
    assertThat((Object) f1.getAs("current_value")).isNull();
    assertThat((Object) f1.getAs("delta")).isNull();
    assertThat((String) f1.getAs("message"))
        .startsWith("f1[micro] in report agreement: no data, so no figure to check (no scored items: 12 of the 12 "
            + "items tried failed (100%); most common error (12 items): \"" + SCHEMA_ERROR + "\"; likely fix: "
            + "the model does not follow the answer schema")
        .endsWith("the gate fails (on-no-data: fail)")
        .doesNotContain("dropped");
    Row prevalence = gateRows.get("prevalence");
    assertThat((String) prevalence.getAs("status")).isEqualTo("no_data");
    assertThat((String) prevalence.getAs("gate")).endsWith("on-no-data pass");
    assertThat((String) prevalence.getAs("message")).endsWith("the gate passes (on-no-data: pass)");
  }

  @Test
  void theReportAndSummaryShowNotApplicableAndSayWhy() throws IOException {
    String html = Files.readString(dir.resolve("reports/" + RUN + "/report.html"));
    assertThat(html).contains("No figures from model scores: the run has no scored items")
        .contains("n/a (no scored items)")
        .contains("1 of 2 gates failed, 2 for lack of data (no_data), not a change in quality");
    JsonNode summary = new ObjectMapper().readTree(dir.resolve("reports/" + RUN + "/summary.json").toFile());
    assertThat(summary.path("no_data").asText()).contains("no scored items")
        .contains("Likely fix: the model does not follow the answer schema");
    JsonNode hate = summary.path("agreement").path("hate_speech");
    assertThat(hate.path("f1").isNull()).isTrue();
    assertThat(hate.path("n").asLong()).isZero();
    assertThat(hate.path("note").asText()).isEqualTo("n/a (no scored items)");
    assertThat(summary.path("macro_f1").isNull()).isTrue();
    String md = Files.readString(dir.resolve("reports/" + RUN + "/summary.md"));
    assertThat(md).contains("**No figures from model scores:** the run has no scored items");
  }

  @Test
  void scoringAgainAfterTheFixResumesAndScoresEveryItem() {
    assertThat(EXIT.get("score")).as(ERR.get("score")).isZero();
    assertThat(healthyItems).isEqualTo(12);
    List<Row> rows = store.readRun(Table.SCORES, RUN).collectAsList();
    assertThat(rows).hasSize(12 * 10).allSatisfy(r -> assertThat((String) r.getAs("status")).isEqualTo("ok"));
  }
}
