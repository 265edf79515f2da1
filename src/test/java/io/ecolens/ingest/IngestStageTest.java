package io.ecolens.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageRunner;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ingest stage on five JSON lines, through the stage runner, into a catalog database of its own. */
class IngestStageTest extends SparkTest {
  private static final String RUN = "ingest-1";

  /** Two good items, an exact repeat of the first, one with a bad count, and a line that is not JSON. */
  private static final List<String> LINES = List.of(
      "{\"content_id\":\"a1\",\"title\":\"first item\",\"format\":\"video\",\"region\":\"us\"}",
      "{\"content_id\":\"a2\",\"title\":\"second item\",\"format\":\"photo\",\"region\":\"de\"}",
      "{\"content_id\":\"a1\",\"title\":\"first item\",\"format\":\"video\",\"region\":\"us\"}",
      "{\"content_id\":\"b1\",\"title\":\"counted in words\",\"views\":\"lots\"}",
      "this line is not json");

  @TempDir static Path dir;
  private static TableStore store;
  private static StageRunner.Timed<IngestStage.Result> ingest;

  @BeforeAll
  static void ingestFiveLines() throws IOException {
    Path corpus = Files.createDirectories(dir.resolve("corpus"));
    Files.write(corpus.resolve("part-0.jsonl"), LINES);
    RunContext ctx = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"), List.of(
        "catalog.database=ingest_stage_test",
        "generate.enabled=false",
        "input.corpus.path=" + corpus,
        "input.labels=",
        "report.output=" + dir.resolve("reports"))), RUN);
    store = ctx.store();
    ingest = new StageRunner(ctx).run(new IngestStage());
  }

  @Test
  void readEqualsAcceptedPlusQuarantinedPlusDuplicates() {
    IngestStage.Result r = ingest.result();
    assertThat(ingest.stage()).isEqualTo("ingest");
    assertThat(r.summary()).isEqualTo("read 5 = accepted 2 + quarantined 2 + duplicates 1");
    assertThat(r.counts()).containsExactly(Map.entry("read", 5L), Map.entry("accepted", 2L),
        Map.entry("quarantined", 2L), Map.entry("duplicates", 1L));
    assertThat(r.labels()).isNull();
    assertThat(r.details()).isEmpty();
  }

  @Test
  void contentHoldsEachValidIdOnceNormalised() {
    assertSameRows(
        rows(Table.CONTENT,
            row("content_id", "a1", "title", "first item", "format", "video", "region", "US"),
            row("content_id", "a2", "title", "second item", "format", "photo", "region", "DE"))
            .select("content_id", "title", "format", "region"),
        store.readRun(Table.CONTENT, RUN).select("content_id", "title", "format", "region"));
  }

  @Test
  void quarantineHoldsEveryRejectedRecordWithItsReasons() {
    assertSameRows(
        rows(Table.CONTENT_QUARANTINE,
            row("content_id", "b1", "reasons", List.of("views is not a whole number: 'lots'")),
            row("content_id", null, "reasons", List.of(
                "malformed record: not parseable in the source format",
                "content_id is missing",
                "no text: title, description, transcript and hashtags are all empty")))
            .select("content_id", "reasons"),
        store.readRun(Table.CONTENT_QUARANTINE, RUN).select("content_id", "reasons"));
  }

  @Test
  void theRunLedgerRecordsTheCounts() {
    Row run = store.readRun(Table.RUNS, RUN).first();
    Map<String, Object> counts = scala.collection.JavaConverters.mapAsJavaMap(run.getAs("counts"));
    assertThat(counts).containsEntry("read", 5L).containsEntry("accepted", 2L)
        .containsEntry("quarantined", 2L).containsEntry("duplicates", 1L);
  }
}
