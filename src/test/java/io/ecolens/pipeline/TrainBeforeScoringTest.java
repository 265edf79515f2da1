package io.ecolens.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageRunner;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.DemoRuns;
import io.ecolens.testing.SparkTest;
import io.ecolens.train.TrainStage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's default judge: conf/local.yaml's {@code run} fits the embedded heads between sample and
 * score, on the labelled items outside the sample, and scores the sample with them.
 */
@Tag("slow")
class TrainBeforeScoringTest extends SparkTest {
  private static final String DB = "train_before_scoring_test";
  private static final String RUN = "heads-in-run";

  @TempDir
  static Path dir;

  @Test
  void runFitsTheHeadsOnLabelledItemsOutsideTheSampleThenScoresTheSampleWithThem() throws IOException {
    List<String> sets = DemoRuns.demoCorpus(dir, 600, DB);
    sets.addAll(List.of("score.scorer=embedded", "sample.size=120", "sample.strata=[format]", "gates=[]",
        "catalog.embedded=false", "spark.shuffle-partitions=2", "score.embedded.heads=" + dir.resolve("heads")));
    EcolensConfig config = ConfigLoader.load(Path.of("conf/local.yaml"), sets);
    assertThat(config.score().trainsBeforeScoring()).isTrue();

    List<StageRunner.Timed<?>> stages = new ArrayList<>();
    Pipeline.run(new StageRunner(new RunContext(spark, config, RUN)), stages::add);

    assertThat(stages.stream().map(StageRunner.Timed::stage).toList())
        .containsSubsequence("sample", "train", "score", "evaluate");
    TrainStage.Result train = stages.stream().map(StageRunner.Timed::result)
        .filter(TrainStage.Result.class::isInstance).map(TrainStage.Result.class::cast).findFirst().orElseThrow();
    TableStore store = new TableStore(spark, DB);
    Dataset<Row> sampled = store.readRun(Table.SAMPLES, RUN).select("content_id");
    Dataset<Row> labelled = store.readRun(Table.POLICY_LABELS, RUN).select("content_id").distinct()
        .join(store.readRun(Table.CONTENT, RUN).select("content_id"), "content_id"); // accepted items only
    long outside = labelled.join(sampled, "content_id", "left_anti").count();
    assertThat(sampled.count()).isEqualTo(120);
    assertThat(train.outsideSample()).isTrue();
    assertThat(train.items()).as("every labelled item but the sampled ones").isEqualTo(outside)
        .isLessThan(labelled.count());
    assertThat(train.fits()).isNotEmpty();

    Dataset<Row> scores = store.readRun(Table.SCORES, RUN);
    assertThat(scores.select("content_id").distinct().count()).isEqualTo(120);
    assertThat(scores.filter(col("model").startsWith("all-minilm-l6-v2-q:max-tokens=256:windows=16:trained-"))
        .count()).as("every score from the heads fitted in the run").isEqualTo(scores.count());
    assertThat(Files.readString(dir.resolve("reports").resolve(RUN).resolve("summary.md"))).contains(
        String.format(Locale.ROOT, "- Judge's heads fitted in this run on %,d labelled items outside the sample", outside));
  }
}
