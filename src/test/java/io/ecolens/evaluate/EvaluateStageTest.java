package io.ecolens.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageRunner;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The evaluate stage through the stage runner on six items of one category (hate_speech,
 * threshold 0.5), written straight into the tables it reads, in a catalog database of its own.
 * Each item is one case: i1 tp, i2 fp, i3 fn, i4 tn with a score 0.05 from the threshold (inside
 * the uncertainty band 0.1), i5 a 1-1 tie of two annotators, i6 scored but never labelled.
 */
@Tag("slow")
class EvaluateStageTest extends SparkTest {
  private static final String RUN = "evaluate-1";
  private static final String HATE = "hate_speech";

  @TempDir static Path dir;
  private static TableStore store;
  private static StageRunner.Timed<EvaluateStage.Result> evaluate;

  @BeforeAll
  static void evaluateSixItems() {
    RunContext ctx = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"), List.of(
        "catalog.database=evaluate_stage_test",
        "generate.enabled=false",
        "input.corpus.path=" + dir.resolve("corpus"),
        "report.output=" + dir.resolve("reports"))), RUN);
    store = ctx.store();
    store.ensureAll();
    List<Map<String, Object>> content = new ArrayList<>();
    List<Map<String, Object>> samples = new ArrayList<>();
    for (String id : List.of("i1", "i2", "i3", "i4", "i5", "i6")) {
      content.add(row("run_id", RUN, "content_id", id, "format", "video", "region", "US", "language", "en"));
      samples.add(row("run_id", RUN, "content_id", id, "stratum", "video|US", "weight", 2.0));
    }
    store.replaceRun(Table.CONTENT, RUN, rows(Table.CONTENT, maps(content)));
    store.replaceRun(Table.SAMPLES, RUN, rows(Table.SAMPLES, maps(samples)));
    store.replaceRun(Table.SCORES, RUN, rows(Table.SCORES,
        score("i1", 0.9), score("i2", 0.8), score("i3", 0.1), score("i4", 0.45), score("i5", 0.7),
        score("i6", 0.3)));
    store.replaceRun(Table.POLICY_LABELS, RUN, rows(Table.POLICY_LABELS,
        vote("i1", "a1", true), vote("i1", "a2", true), vote("i1", "a3", true),
        vote("i2", "a1", false), vote("i2", "a2", false), vote("i2", "a3", true),
        vote("i3", "a1", true), vote("i3", "a2", true), vote("i3", "a3", false),
        vote("i4", "a1", false), vote("i4", "a2", false), vote("i4", "a3", false),
        vote("i5", "a1", true), vote("i5", "a2", false)));
    evaluate = new StageRunner(ctx).run(new EvaluateStage());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object>[] maps(List<Map<String, Object>> rows) {
    return rows.toArray(Map[]::new);
  }

  /** A rules score of hate_speech; labelled violating at the policy threshold 0.5. */
  private static Map<String, Object> score(String id, double score) {
    return row("run_id", RUN, "content_id", id, "category", HATE, "scorer", "rules", "label", score >= 0.5,
        "score", score, "status", "ok");
  }

  private static Map<String, Object> vote(String id, String annotator, boolean label) {
    return row("run_id", RUN, "content_id", id, "category", HATE, "annotator_id", annotator, "label", label);
  }

  @Test
  void evaluationsHoldOneOutcomePerLabelledItem() {
    assertSameRows(
        rows(Table.EVALUATIONS,
            outcome("i1", 3, 3, "tp"), outcome("i2", 3, 1, "fp"), outcome("i3", 3, 2, "fn"),
            outcome("i4", 3, 0, "tn"), outcome("i5", 2, 1, "tie"))
            .select("content_id", "category", "stratum", "weight", "human_votes", "human_positive_votes", "outcome"),
        store.readRun(Table.EVALUATIONS, RUN)
            .select("content_id", "category", "stratum", "weight", "human_votes", "human_positive_votes", "outcome"));
  }

  private static Map<String, Object> outcome(String id, int votes, int positive, String outcome) {
    return row("content_id", id, "category", HATE, "stratum", "video|US", "weight", 2.0, "human_votes", votes,
        "human_positive_votes", positive, "outcome", outcome);
  }

  @Test
  void reviewQueueTakesMistakesMostConfidentFirstThenTiesThenTheUncertain() {
    assertSameRows(
        rows(Table.REVIEW_QUEUE,
            queued("i3", "false_negative", 1), queued("i2", "false_positive", 2),
            queued("i5", "annotators_tied", 3), queued("i4", "low_confidence", 4))
            .select("content_id", "category", "reason", "priority"),
        store.readRun(Table.REVIEW_QUEUE, RUN).select("content_id", "category", "reason", "priority"));
  }

  private static Map<String, Object> queued(String id, String reason, int priority) {
    return row("content_id", id, "category", HATE, "reason", reason, "priority", priority);
  }

  @Test
  void resultSaysWhatRunPrintsAndTheLedgerRecordsTheCounts() {
    EvaluateStage.Result r = evaluate.result();
    assertThat(evaluate.stage()).isEqualTo("evaluate");
    assertThat(r.summary()).isEqualTo("5 labelled pairs, 4 in review queue");
    assertThat(r.byCategory().get(HATE)).isEqualTo(new Agreement(1, 1, 1, 1));
    assertThat(r.details()).hasSize(1 + r.byCategory().size());
    assertThat(r.details().get(0)).isEqualTo("          category" + " ".repeat(16) + " precision    recall        f1");
    assertThat(r.details()).contains("          hate_speech" + " ".repeat(13) + "     0.500     0.500     0.500");

    Row run = store.readRun(Table.RUNS, RUN).first();
    Map<String, Object> counts = scala.collection.JavaConverters.mapAsJavaMap(run.getAs("counts"));
    assertThat(counts).containsEntry("evaluated", 5L).containsEntry("label_ties", 1L)
        .containsEntry("review_queue", 4L);
  }
}
