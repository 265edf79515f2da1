package io.ecolens.datasets;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ecolens.cli.StageRunners;
import io.ecolens.config.ConfigLoader;
import io.ecolens.run.RunContext;
import io.ecolens.tables.Table;
import io.ecolens.testing.SparkTest;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real tweets with real crowd labels (a ~3% subsample, to keep CI short; jobs/bench.sh davidson
 * runs the full set). Skipped, saying why, when ../shared/datasets is absent.
 */
@Tag("slow")
class DavidsonDatasetTest extends SparkTest {
  @TempDir static Path dir;

  @Test
  void zeroShotAndTrainedScorersBeatChanceOnRealTweets() {
    Path datasets = Davidson.datasets();
    assumeTrue(datasets != null, "skipped: " + Davidson.CSV + " not found under -Decolens.shared.datasets="
        + System.getProperty("ecolens.shared.datasets") + " (the shared datasets folder is absent outside this environment)");
    Davidson.Figures figures = Davidson.run(spark, datasets, dir, 0.03, "davidson_it", 3, List.of());
    System.out.println(figures.describe());

    RunContext ctx = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"),
        List.of("catalog.database=davidson_it")), "davidson-zero-shot");
    assertThat(ctx.store().readRun(Table.CONTENT_QUARANTINE, ctx.runId()).count()).isZero();
    assertThat(ctx.store().readRun(Table.CONTENT, ctx.runId()).count()).isEqualTo(figures.items());
    for (String c : Davidson.CATEGORIES) {
      double baseRate = ctx.store().readRun(Table.EVALUATIONS, ctx.runId())
          .filter(col("category").equalTo(c).and(col("human_label").isNotNull()))
          .selectExpr("avg(cast(human_label AS double))").first().getDouble(0);
      assertThat(figures.zeroShot().get(c)[1]).as("zero-shot AUPRC of " + c).isBetween(0.0, 1.0);
      assertThat(figures.trained().get(c).auprc()).as("trained AUPRC of " + c).isGreaterThan(baseRate);
    }
    assertThat(ctx.store().readRun(Table.METRICS, ctx.runId()).filter(col("report").equalTo("train")
        .and(col("metric").equalTo("cv_auprc"))).count()).isEqualTo(2);

    // with heads saved for the policy version, the default mode (auto) scores with them
    RunContext trained = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"), List.of(
        "catalog.database=davidson_it", "score.scorer=embedded", "score.policy=conf/policies/davidson.yaml",
        "score.embedded.heads=" + dir.resolve("heads"))), "davidson-zero-shot");
    StageRunners.score(trained);
    assertThat(trained.store().readRun(Table.SCORES, trained.runId()).select("model").distinct().first().getString(0))
        .startsWith("all-minilm-l6-v2-q:max-tokens=256:windows=16:trained-");

    // the same fit's zero-shot calibration: the policy's prototypes, its centre, scale and threshold
    Dataset<Row> train = ctx.store().readRun(Table.METRICS, ctx.runId()).filter(col("report").equalTo("train"));
    for (String c : Davidson.CATEGORIES) {
      assertThat(train.filter(col("category").equalTo(c).and(col("metric").isin("zero_shot_f1", "calibrated_f1",
          "calibrated_threshold", "calibrated_center", "calibrated_scale"))).count()).as(c).isEqualTo(5);
    }
    double before = train.filter("category = 'offensive_language' AND metric = 'zero_shot_f1'").first().getAs("value");
    double after = train.filter("category = 'offensive_language' AND metric = 'calibrated_f1'").first().getAs("value");
    assertThat(after).as("offensive language F1 calibrated vs the policy's zero-shot").isGreaterThan(before);
    RunContext calibrated = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"), List.of(
        "catalog.database=davidson_it", "score.scorer=embedded", "score.policy=conf/policies/davidson.yaml",
        "score.embedded.mode=calibrated", "score.embedded.heads=" + dir.resolve("heads"))), "davidson-zero-shot");
    StageRunners.score(calibrated);
    Dataset<Row> rows = calibrated.store().readRun(Table.SCORES, calibrated.runId())
        .filter(col("model").startsWith("all-minilm-l6-v2-q:max-tokens=256:windows=16:calibrated-"));
    assertThat(rows.count()).isEqualTo(figures.items() * Davidson.CATEGORIES.size());
    assertThat(rows.first().<String>getAs("rationale")).startsWith("zero-shot, calibrated: closest to");
  }
}
