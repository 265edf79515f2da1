package io.ecolens.sample;

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
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sample stage through the stage runner on six items in three strata (format|region), in a
 * catalog database of its own. Every stratum is either taken whole or not at all, so which items
 * are drawn does not depend on the seeded hash and the expected rows can be written out.
 */
class SampleStageTest extends SparkTest {
  private static final String DATABASE = "sample_stage_test";
  @TempDir Path dir;

  /** Three videos from the US, two photos from Germany, one text from France. */
  private static Dataset<Row> content(String runId) {
    return rows(Table.CONTENT,
        item(runId, "v1", "video", "US"), item(runId, "v2", "video", "US"), item(runId, "v3", "video", "US"),
        item(runId, "p1", "photo", "DE"), item(runId, "p2", "photo", "DE"),
        item(runId, "t1", "text", "FR"));
  }

  private static Map<String, Object> item(String runId, String id, String format, String region) {
    return row("run_id", runId, "content_id", id, "format", format, "region", region, "title", "item " + id);
  }

  /** (content_id, stratum, weight) rows in the samples table's types. */
  @SafeVarargs
  private static Dataset<Row> expected(Map<String, Object>... rows) {
    return rows(Table.SAMPLES, rows).select("content_id", "stratum", "weight");
  }

  private static Map<String, Object> drawn(String id, String stratum, double weight) {
    return row("content_id", id, "stratum", stratum, "weight", weight);
  }

  /** Runs the sample stage on {@link #content} under {@code runId} with the given overrides. */
  private StageRunner.Timed<SampleStage.Result> sample(String runId, String... overrides) {
    List<String> sets = new ArrayList<>(List.of(
        "catalog.database=" + DATABASE,
        "generate.enabled=false",
        "input.corpus.path=" + dir.resolve("corpus"),
        "report.output=" + dir.resolve("reports"),
        "sample.strata=[format, region]"));
    sets.addAll(List.of(overrides));
    RunContext ctx = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"), sets), runId);
    ctx.store().ensureAll();
    ctx.store().replaceRun(Table.CONTENT, runId, content(runId));
    return new StageRunner(ctx).run(new SampleStage());
  }

  private static Map<String, Object> ledgerCounts(TableStore store, String runId) {
    Row run = store.readRun(Table.RUNS, runId).first();
    return scala.collection.JavaConverters.mapAsJavaMap(run.getAs("counts"));
  }

  @Test
  void aSampleAsLargeAsThePopulationTakesEveryStratumWhole() {
    StageRunner.Timed<SampleStage.Result> timed = sample("whole", "sample.size=100");
    TableStore store = new TableStore(spark, DATABASE);

    assertThat(timed.stage()).isEqualTo("sample");
    assertThat(timed.result().summary()).isEqualTo("6 of 6 items over 3 strata");
    assertSameRows(
        expected(
            drawn("v1", "video|US", 1.0), drawn("v2", "video|US", 1.0), drawn("v3", "video|US", 1.0),
            drawn("p1", "photo|DE", 1.0), drawn("p2", "photo|DE", 1.0),
            drawn("t1", "text|FR", 1.0)),
        store.readRun(Table.SAMPLES, "whole").select("content_id", "stratum", "weight"));
    assertThat(ledgerCounts(store, "whole")).containsEntry("population", 6L).containsEntry("sampled", 6L);
  }

  @Test
  void fixedSizesTakeTwoStrataWholeAndLeaveTheThirdOut() {
    StageRunner.Timed<SampleStage.Result> timed = sample("fixed", "sample.allocation=fixed",
        "sample.fixed-sizes={video|US: 3, photo|DE: 2, text|FR: 0}");
    TableStore store = new TableStore(spark, DATABASE);

    assertThat(timed.result()).isEqualTo(new SampleStage.Result(6, 5, 3));
    assertThat(timed.result().summary()).isEqualTo("5 of 6 items over 3 strata");
    assertThat(timed.result().counts()).containsExactly(Map.entry("population", 6L), Map.entry("sampled", 5L));
    assertSameRows(
        expected(
            drawn("v1", "video|US", 1.0), drawn("v2", "video|US", 1.0), drawn("v3", "video|US", 1.0),
            drawn("p1", "photo|DE", 1.0), drawn("p2", "photo|DE", 1.0)),
        store.readRun(Table.SAMPLES, "fixed").select("content_id", "stratum", "weight"));
    assertThat(ledgerCounts(store, "fixed")).containsEntry("population", 6L).containsEntry("sampled", 5L);
  }
}
