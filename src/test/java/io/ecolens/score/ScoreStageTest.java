package io.ecolens.score;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageRunner;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The score stage with the rules scorer on three items and a two-category policy: the rows it
 * writes, a rerun under the same run id replacing its rows, a second run over the same items
 * reusing them as {@code cached}, and the {@code score} metrics of each.
 */
@Tag("slow")
class ScoreStageTest extends SparkTest {
  /** spam fires on "followers" (0.5, at the threshold), scam on "giveaway" (0.75); item c matches neither. */
  private static final String POLICY = """
      id: tiny
      version: "3"
      description: Two categories for the score stage test.
      prompt:
        version: v1
        system: Judge each item.
      categories:
        - id: spam
          name: Spam
          severity: low
          threshold: 0.5
          definition: Unsolicited promotion.
          examples:
            violating: ["buy followers now"]
            allowed: ["my holiday photos"]
          rules:
            - keywords: [followers]
              weight: 0.5
        - id: scam
          name: Scam
          severity: high
          threshold: 0.5
          definition: Tricks people out of money.
          examples:
            violating: ["send one coin, get two back"]
            allowed: ["how to spot a scam"]
          rules:
            - keywords: [giveaway]
              weight: 0.75
      """;

  @TempDir static Path dir;
  private static EcolensConfig config;
  private static TableStore store;
  private static ScoreStage.Result first;
  private static ScoreStage.Result reused;
  private static ScoreStage.Result rerun;

  @BeforeAll
  static void scoreTwoRunsAndARerun() throws Exception {
    Path policy = Files.writeString(dir.resolve("tiny.yaml"), POLICY);
    config = ConfigLoader.load(Path.of("conf/local.yaml"), List.of("catalog.database=score_stage",
        "generate.enabled=false", "score.scorer=rules", "score.policy=" + policy));
    RunContext r1 = new RunContext(spark, config, "r1");
    store = r1.store();
    store.ensureAll();
    store.replaceRun(Table.CONTENT, "r1", rows(Table.CONTENT,
        item("a", "buy followers here"), item("b", "crypto giveaway tonight"), item("c", "my holiday photos")));
    store.replaceRun(Table.SAMPLES, "r1", rows(Table.SAMPLES, sampled("a"), sampled("b"), sampled("c")));
    first = new StageRunner(r1).run(new ScoreStage()).result();
    rerun = new StageRunner(new RunContext(spark, config, "r1")).run(new ScoreStage()).result();

    store.copyRun(Table.CONTENT, "r1", "r2");
    store.copyRun(Table.SAMPLES, "r1", "r2");
    reused = new StageRunner(new RunContext(spark, config, "r2")).run(new ScoreStage()).result();
  }

  private static Map<String, Object> item(String id, String title) {
    return row("run_id", "r1", "content_id", id, "title", title, "content_hash", "hash-" + id);
  }

  private static Map<String, Object> sampled(String id) {
    return row("run_id", "r1", "content_id", id, "stratum", "all");
  }

  /** The verdicts of the three items, every row with {@code status}; the columns (and comments) of {@code scores}. */
  private static Dataset<Row> verdicts(String status) {
    return spark.createDataFrame(List.of(
        RowFactory.create("a", "spam", true, 0.5, status),
        RowFactory.create("a", "scam", false, 0.0, status),
        RowFactory.create("b", "spam", false, 0.0, status),
        RowFactory.create("b", "scam", true, 0.75, status),
        RowFactory.create("c", "spam", false, 0.0, status),
        RowFactory.create("c", "scam", false, 0.0, status)), scores("r1").schema());
  }

  private static Dataset<Row> scores(String runId) {
    return store.readRun(Table.SCORES, runId).select("content_id", "category", "label", "score", "status");
  }

  private static Map<String, Double> scoreMetrics(String runId) {
    Map<String, Double> m = new java.util.TreeMap<>();
    for (Row r : store.readRun(Table.METRICS, runId).filter(col("report").equalTo("score")).collectAsList()) {
      m.put(r.getAs("metric"), r.getAs("value"));
    }
    return m;
  }

  @Test
  void theRulesScorerWritesOneOkRowPerItemAndCategory() {
    assertSameRows(verdicts("ok"), scores("r1"));
    Row any = store.readRun(Table.SCORES, "r1").filter("content_id = 'b' AND category = 'scam'").first();
    assertThat(any.<String>getAs("model")).isEqualTo("rules:tiny");
    assertThat(any.<String>getAs("scorer")).isEqualTo("rules");
    assertThat(any.<String>getAs("severity")).isEqualTo("high");
    assertThat(any.<String>getAs("rationale")).isEqualTo("matched 'giveaway'");
    assertThat(first.summary()).isEqualTo("3 items x 2 categories, 0 reused, 0 error rows, $0.0000");
    assertThat(first.details()).isEmpty();
    assertThat(first.counts()).containsExactly(Map.entry("scored", 3L), Map.entry("cached", 0L),
        Map.entry("score_rows_ok", 6L), Map.entry("errors", 0L));
  }

  @Test
  void aSecondRunOverTheSameItemsReusesTheRowsAsCached() {
    assertSameRows(verdicts("cached"), scores("r2"));
    assertThat(reused.cachedItems()).isEqualTo(3);
    assertThat(reused.scoredItems()).isZero();
    assertThat(reused.summary()).isEqualTo("3 items x 2 categories, 3 reused, 0 error rows, $0.0000");
  }

  @Test
  void aRerunUnderTheSameRunIdReplacesItsRows() {
    assertSameRows(verdicts("ok"), scores("r1"));
    assertThat(rerun.cachedItems()).isZero();
    assertThat(rerun.okRows()).isEqualTo(6);
    assertThat(rerun.summary()).isEqualTo(first.summary());
  }

  @Test
  void theScoreMetricsOfALocalScorerHaveNoDeferredItems() {
    assertThat(scoreMetrics("r1")).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of("items", 3.0,
        "cached_items", 0.0, "error_rows", 0.0, "cost_usd", 0.0, "input_tokens", 0.0, "output_tokens", 0.0)));
    assertThat(scoreMetrics("r2")).containsEntry("cached_items", 3.0).doesNotContainKey("deferred_items");
  }
}
