package io.ecolens.cli;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.run.RunContext;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.DemoRuns;
import io.ecolens.testing.SparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/** The whole pipeline ('run') on a small generated corpus, twice, and once more under a new run id. */
@Tag("slow")
class EndToEndTest extends SparkTest {
  private static final int ROWS = 3000;
  private static final int SAMPLE = 600;
  @TempDir static Path dir;
  private static EcolensConfig config;
  private static TableStore store;
  private static final Map<Table, Long> FIRST = new EnumMap<>(Table.class);
  /**
   * The tables 'run' writes per run: all but experiment_results, which only the experiment command
   * writes, and embeddings, which is keyed by content, not by run (checked on its own below).
   */
  private static final java.util.Set<Table> RUN_TABLES =
      java.util.EnumSet.complementOf(java.util.EnumSet.of(Table.EXPERIMENT_RESULTS, Table.EMBEDDINGS));
  private static long firstEmbeddings;

  @BeforeAll
  static void runPipelineTwice() {
    List<String> sets = DemoRuns.demoCorpus(dir, ROWS, "e2e");
    sets.add("sample.size=" + SAMPLE);
    config = ConfigLoader.load(Path.of("conf/local.yaml"), sets);
    RunContext ctx = new RunContext(spark, config, "e2e-1");
    store = ctx.store();
    io.ecolens.pipeline.Pipeline.run(new io.ecolens.run.StageRunner(ctx), timed -> { });
    for (Table t : RUN_TABLES) {
      FIRST.put(t, store.readRun(t, "e2e-1").count());
    }
    firstEmbeddings = store.read(Table.EMBEDDINGS).count();
    io.ecolens.pipeline.Pipeline.run(new io.ecolens.run.StageRunner(ctx), timed -> { }); // same run id again: must replace, not add
  }

  private static long rows(Table t, String runId) {
    return store.readRun(t, runId).count();
  }

  @Test
  void everyTableHasRowsForTheRunAndIsReadableByNameAndPath() {
    for (Table t : RUN_TABLES) {
      assertThat(rows(t, "e2e-1")).as(t.tableName()).isPositive();
      long byName = sql("SELECT count(*) FROM e2e." + t.tableName() + " WHERE run_id = 'e2e-1'").first().getLong(0);
      long byPath = spark.read().format("delta").load(store.location(t)).filter(col("run_id").equalTo("e2e-1")).count();
      assertThat(byName).isEqualTo(byPath).isEqualTo(rows(t, "e2e-1"));
    }
  }

  @Test
  void rerunningWithTheSameRunIdLeavesNoDuplicates() {
    for (Table t : RUN_TABLES) {
      assertThat(rows(t, "e2e-1")).as(t.tableName()).isEqualTo(FIRST.get(t));
    }
  }

  @Test
  void rerunningEmbedsNoTextAgain() {
    assertThat(firstEmbeddings).as("vectors of the sample's semantic diversity").isPositive();
    assertThat(store.read(Table.EMBEDDINGS).count()).isEqualTo(firstEmbeddings);
    assertThat(store.read(Table.EMBEDDINGS).groupBy("content_hash", "text_hash", "model").count()
        .filter(col("count").gt(1)).count()).isZero();
  }

  @Test
  void ingestCountsReconcileAndAreRecordedInRuns() {
    Row run = store.readRun(Table.RUNS, "e2e-1").first();
    assertThat((String) run.getAs("status")).isEqualTo("succeeded");
    Map<String, Object> counts = scala.collection.JavaConverters.mapAsJavaMap(run.getAs("counts"));
    long read = (Long) counts.get("read");
    long accepted = (Long) counts.get("accepted");
    long quarantined = (Long) counts.get("quarantined");
    long duplicates = (Long) counts.get("duplicates");
    assertThat(read).isEqualTo(ROWS);
    assertThat(accepted + quarantined + duplicates).isEqualTo(read);
    assertThat(quarantined).isPositive();
    assertThat(duplicates).isPositive();
    assertThat(rows(Table.CONTENT, "e2e-1")).isEqualTo(accepted);
    assertThat(rows(Table.CONTENT_QUARANTINE, "e2e-1")).isEqualTo(quarantined);
    assertThat(store.readRun(Table.CONTENT_QUARANTINE, "e2e-1").filter("size(reasons) = 0").count()).isZero();
    String configJson = run.getAs("config_json");
    assertThat(configJson).contains("\"database\":\"e2e\"");
    Map<String, Object> seconds = scala.collection.JavaConverters.mapAsJavaMap(run.getAs("stage_seconds"));
    assertThat(seconds).containsKeys("ingest", "sample", "score", "evaluate", "report");
  }

  @Test
  void sampleScoresAndEvaluationsLineUp() {
    int categories = 10;
    assertThat(rows(Table.SAMPLES, "e2e-1")).isEqualTo(SAMPLE);
    assertThat(rows(Table.SCORES, "e2e-1")).isEqualTo((long) SAMPLE * categories);
    assertThat(store.readRun(Table.SCORES, "e2e-1").filter("status = 'error'").count()).isZero();
    assertThat(sql("SELECT sum(weight) FROM e2e.samples WHERE run_id = 'e2e-1'").first().getDouble(0))
        .isCloseTo((double) rows(Table.CONTENT, "e2e-1"), org.assertj.core.data.Offset.offset(1e-6));
    assertThat(rows(Table.EVALUATIONS, "e2e-1")).isEqualTo((long) SAMPLE * categories);
    List<Row> f1 = sql("SELECT category, value FROM e2e.metrics WHERE run_id = 'e2e-1' AND report = 'agreement'"
        + " AND metric = 'f1' AND category NOT IN ('micro', 'macro')").collectAsList();
    assertThat(f1).hasSize(categories);
    // the rules scorer is good but not perfect on the generated corpus
    double microF1 = sql("SELECT value FROM e2e.metrics WHERE run_id = 'e2e-1' AND report = 'agreement'"
        + " AND metric = 'f1' AND category = 'micro'").first().getDouble(0);
    assertThat(microF1).isBetween(0.3, 0.99);
    for (String metric : List.of("prevalence", "human_prevalence")) {
      assertThat(sql("SELECT count(*) FROM e2e.metrics WHERE run_id = 'e2e-1' AND report = 'prevalence'"
          + " AND slice_key = 'all' AND metric = '" + metric + "'").first().getLong(0)).as(metric).isEqualTo(categories);
    }
  }

  @Test
  void reportIsWritten() {
    Path html = dir.resolve("reports/e2e-1/report.html");
    assertThat(html).exists();
    assertThat(dir.resolve("reports/e2e-1/summary.json")).exists();
  }

  @Test
  void reportOfTheSmallRunReferencesNothingOutsideItself() throws java.io.IOException {
    String html = Files.readString(dir.resolve("reports/e2e-1/report.html"));
    io.ecolens.testing.HtmlChecks.assertSelfContained(html);
    assertThat(html).contains("<svg", "id='chart-prevalence'", "id='chart-pr'", "Status: succeeded");
    assertThat(Files.readString(dir.resolve("reports/e2e-1/summary.md"))).contains("**ecolens run e2e-1**");
    // diversity of corpus and sample, semantic figures from MiniLM and the LSH near-duplicate rate
    assertThat(sql("SELECT DISTINCT metric FROM e2e.metrics WHERE run_id = 'e2e-1' AND report = 'diversity_sample'")
        .collectAsList().stream().map(r -> r.getString(0)).toList())
        .contains("creator_top_share_views", "topic_normalized_entropy", "semantic_vendi_score",
            "semantic_mean_cosine_distance", "near_duplicate_rate");
  }

  @Test
  void everyNotebookSqlCellRunsAgainstTheTables() throws java.io.IOException {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<Path> notebooks;
    try (var files = Files.list(Path.of("notebooks"))) {
      notebooks = files.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
    }
    assertThat(notebooks).isNotEmpty();
    int cells = 0;
    try {
      for (Path notebook : notebooks) {
        for (var cell : json.readTree(notebook.toFile()).get("cells")) {
          StringBuilder source = new StringBuilder();
          cell.get("source").forEach(line -> source.append(line.asText()));
          String text = source.toString();
          if (!cell.get("cell_type").asText().equals("code") || !text.startsWith("%%sql")) {
            continue;
          }
          String statement = text.substring("%%sql".length()).trim().replace("USE ecolens", "USE e2e");
          List<Row> result = sql(statement).collectAsList();
          // queries over all runs always have rows after a run; those of the latest run may not
          if (!statement.startsWith("USE") && !statement.contains("max(run_id)")) {
            assertThat(result).as(notebook + ": " + statement).isNotEmpty();
          }
          cells++;
        }
      }
    } finally {
      sql("USE default");
    }
    assertThat(cells).isGreaterThanOrEqualTo(5);
  }

  @Test
  void aNewRunReusesEarlierScoresInsteadOfScoringAgain() {
    RunContext second = new RunContext(spark, config, "e2e-2");
    StageRunners.ingest(second);
    StageRunners.sample(second);
    StageRunners.score(second);
    assertThat(store.readRun(Table.SCORES, "e2e-2").filter("status <> 'cached'").count()).isZero();
    assertThat(rows(Table.SCORES, "e2e-2")).isEqualTo(rows(Table.SCORES, "e2e-1"));
  }
}
