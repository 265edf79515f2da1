package io.ecolens.ingest;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.run.RunContext;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wide label file (a column per category) in which most cells are empty, as a labelling tool
 * exports it: an empty cell means the item was not labelled for that category, so it is neither a
 * label nor a bad record; a value that is not true/false still is.
 */
class WideLabelsTest extends SparkTest {
  private static final String RUN = "wide-1";

  @TempDir static Path dir;
  private static TableStore store;
  private static LabelLoader.Result result;

  @BeforeAll
  static void loadAWideFile() throws IOException {
    Path labels = Files.createDirectories(dir.resolve("labels"));
    Files.write(labels.resolve("part-0.csv"), List.of(
        "content_id,annotator_id,spam_scam,hate_speech",
        "a1,ann1,true,",
        "a2,ann1,,false",
        "a3,ann2,maybe,  ",
        "a4,ann2,,"));
    RunContext ctx = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"), List.of(
        "catalog.database=wide_labels_test",
        "generate.enabled=false",
        "input.labels.path=" + labels,
        "input.labels.format=csv",
        "input.labels.layout=wide",
        "input.labels.category-columns=[spam_scam, hate_speech]")), RUN);
    store = ctx.store();
    store.ensureAll();
    result = new LabelLoader(ctx).load();
  }

  @Test
  void emptyCellsAreNotLabelledAndOnlyTheBadValueIsQuarantined() {
    assertThat(result.loaded()).as("a1 spam_scam, a2 hate_speech").isEqualTo(2);
    assertThat(result.rejected()).as("a3 spam_scam 'maybe'").isEqualTo(1);
    assertThat(result.notLabelled()).as("a1 hate_speech, a2 spam_scam, a3 hate_speech (blank), a4 both")
        .isEqualTo(5);
    assertThat(result.read()).as("every cell: loaded + rejected + not labelled").isEqualTo(4 * 2);
  }

  @Test
  void theLabelsTableHoldsOnlyTheFilledCells() {
    List<String> rows = store.readRun(Table.POLICY_LABELS, RUN).orderBy("content_id").collectAsList().stream()
        .map(r -> r.getAs("content_id") + " " + r.getAs("category") + " " + r.getAs("label"))
        .collect(Collectors.toList());
    assertThat(rows).containsExactly("a1 spam_scam true", "a2 hate_speech false");
  }

  @Test
  void theQuarantineNamesTheBadValueAndNothingAboutEmptyCells() {
    List<Row> rejected = store.readRun(Table.CONTENT_QUARANTINE, RUN).collectAsList();
    assertThat(rejected).hasSize(1);
    assertThat(rejected.get(0).<String>getAs("content_id")).isEqualTo("a3");
    assertThat(rejected.get(0).getList(rejected.get(0).fieldIndex("reasons")))
        .containsExactly("policy label: label is not true/false: 'maybe'");
    assertThat(store.readRun(Table.CONTENT_QUARANTINE, RUN)
        .filter(col("reasons").cast("string").contains("null")).count()).isZero();
  }
}
