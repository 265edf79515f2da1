package io.ecolens.datasets;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;


import io.ecolens.cli.StageRunners;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.evaluate.EvaluateStage;
import io.ecolens.run.RunContext;
import io.ecolens.spark.Seqs;
import io.ecolens.train.TrainStage;
import io.ecolens.tables.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The Davidson hate/offensive tweets through the normal pipeline: the CSV (quoted, multi-line) is
 * ingested with a column mapping; human labels come from its vote columns, one long-layout label
 * row per annotator (of an item's {@code count} annotators, the first {@code hate_speech} voted
 * hate speech, and so on), so the usual majority vote adjudicates them. Zero-shot scores are
 * evaluated against those labels; the trained heads are judged by their cross-validation.
 */
public final class Davidson {
  public static final String CSV = "davidson-hate-offensive/labeled_data.csv";
  public static final List<String> CATEGORIES = List.of("hate_speech", "offensive_language");
  public static final Map<String, String> CSV_OPTIONS = Map.of("multiLine", "true", "escape", "\"", "quote", "\"");

  /** Zero-shot and trained quality per category. */
  public record Figures(long items, Map<String, double[]> zeroShot, Map<String, TrainStage.Fit> trained,
      double seconds, double scoreSeconds, RunContext run, List<String> sets) {
    public String describe() {
      StringBuilder sb = new StringBuilder(String.format("Davidson, %,d tweets%n", items));
      for (String c : CATEGORIES) {
        double[] z = zeroShot.get(c);
        TrainStage.Fit t = trained.get(c);
        sb.append(String.format("  %-20s zero-shot F1 %.3f AUPRC %.3f | trained (k-fold CV) F1 %.3f AUPRC %.3f "
            + "(threshold %.2f, %d positives)%n", c, z[0], z[1], t == null ? Double.NaN : t.f1(),
            t == null ? Double.NaN : t.auprc(), t == null ? Double.NaN : t.threshold(), t == null ? 0 : t.positives()));
      }
      return sb.toString();
    }
  }

  private Davidson() {}

  /**
   * Zero-shot calibrated on few labels, as a team with a small labelling budget would: {@code train}
   * with {@code score.embedded.train.max-items} = {@code labelled} (a seeded draw of the labelled
   * tweets; heads under {@code dir}), then {@code score} with {@code score.embedded.mode: calibrated}.
   * Returns each category's F1 against the majority labels of every tweet, as {@link Figures#zeroShot}
   * gives it for the policy's own calibration ({@code labelled} of the tweets are in both).
   */
  public static Map<String, Double> calibratedOnFewLabels(SparkSession spark, Figures f, Path dir, int labelled) {
    List<String> sets = new ArrayList<>(f.sets());
    sets.add("score.embedded.heads=" + dir.resolve("heads-" + labelled));
    sets.add("score.embedded.train.max-items=" + labelled);
    RunContext few = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"), sets), f.run().runId());
    StageRunners.train(few);
    sets.add("score.embedded.mode=calibrated");
    RunContext calibrated = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"), sets), f.run().runId());
    StageRunners.score(calibrated);
    Dataset<Row> labels = calibrated.store().readRun(Table.EVALUATIONS, f.run().runId())
        .filter(col("human_label").isNotNull()).select("content_id", "category", "human_label");
    Map<String, Double> f1 = new LinkedHashMap<>();
    for (Row r : calibrated.store().readRun(Table.SCORES, f.run().runId())
        .filter(col("model").contains(":calibrated-")).join(labels, Seqs.of("content_id", "category"))
        .groupBy("category")
        .agg(sum(when(col("label").and(col("human_label")), 1).otherwise(0)).as("tp"),
            sum(when(col("label").and(not(col("human_label"))), 1).otherwise(0)).as("fp"),
            sum(when(not(col("label")).and(col("human_label")), 1).otherwise(0)).as("fn"))
        .collectAsList()) {
      long tp = r.getLong(1);
      f1.put(r.getString(0), tp == 0 ? 0.0 : 2.0 * tp / (2.0 * tp + r.getLong(2) + r.getLong(3)));
    }
    return f1;
  }

  /** The dataset folder from -Decolens.shared.datasets (or ../shared/datasets), or null when absent. */
  public static Path datasets() {
    Path root = Path.of(System.getProperty("ecolens.shared.datasets", "../shared/datasets"));
    return root.resolve(CSV).toFile().isFile() ? root : null;
  }

  /**
   * Writes the corpus (a subsample when {@code fraction < 1}, still a quoted multi-line CSV) and the
   * derived labels under {@code dir}, then runs ingest, sample (all items), score (embedded,
   * zero-shot), evaluate and train ({@code extraSets}: further config overrides, e.g. the embedding model). Returns the figures.
   */
  public static Figures run(SparkSession spark, Path datasets, Path dir, double fraction, String database, int folds,
      List<String> extraSets) {
    long start = System.nanoTime();
    Dataset<Row> raw = spark.read().format("csv").option("header", "true").options(CSV_OPTIONS)
        .load(datasets.resolve(CSV).toString());
    Path corpus = datasets.resolve(CSV);
    if (fraction < 1) {
      raw = raw.sample(false, fraction, 17).coalesce(1);
      corpus = dir.resolve("corpus");
      raw.write().mode("overwrite").option("header", "true").option("quoteAll", "true").option("escape", "\"")
          .csv(corpus.toString());
    }
    List<Dataset<Row>> labelParts = new ArrayList<>();
    for (String category : CATEGORIES) {
      labelParts.add(raw.select(col("_c0").as("content_id"),
              explode(sequence(lit(1), col("count").cast("int"))).as("annotator"), col(category).cast("int").as("votes"))
          .select(col("content_id"), lit(category).as("category"),
              col("annotator").leq(col("votes")).cast("string").as("label"),
              concat(lit("crowd-"), col("annotator").cast("string")).as("annotator_id")));
    }
    Dataset<Row> labels = labelParts.get(0).unionByName(labelParts.get(1));
    labels.write().mode("overwrite").json(dir.resolve("labels").toString());
    long items = raw.count();

    List<String> sets = new ArrayList<>(List.of(
        "catalog.database=" + database,
        "generate.enabled=false",
        "input.corpus.path=" + corpus,
        "input.corpus.format=csv",
        "input.corpus.options.multiLine=true",
        "input.corpus.options.escape=\"",
        "input.corpus.columns.content_id=_c0",
        "input.corpus.columns.description=tweet",
        "input.labels.path=" + dir.resolve("labels"),
        "input.labels.format=json",
        "input.labels.layout=long",
        "sample.size=" + items,
        "sample.strata=[format]",
        "score.scorer=embedded",
        "score.embedded.mode=zero-shot",
        "score.embedded.heads=" + dir.resolve("heads"),
        "score.embedded.train.folds=" + folds,
        "score.embedded.train.max-items=50000", // every tweet (conf/local.yaml caps the demo's at 4,000)
        "score.policy=conf/policies/davidson.yaml",
        "report.output=" + dir.resolve("reports")));
    sets.addAll(extraSets);
    EcolensConfig config = ConfigLoader.load(Path.of("conf/local.yaml"), sets);
    RunContext ctx = new RunContext(spark, config, "davidson-zero-shot");
    StageRunners.ingest(ctx);
    StageRunners.sample(ctx);
    long scoring = System.nanoTime();
    StageRunners.score(ctx);
    double scoreSeconds = (System.nanoTime() - scoring) / 1e9;
    EvaluateStage.Result evaluation = StageRunners.evaluate(ctx);
    Map<String, double[]> zeroShot = new LinkedHashMap<>();
    Dataset<Row> evaluations = ctx.store().readRun(Table.EVALUATIONS, ctx.runId()).filter(col("human_label").isNotNull());
    for (String c : CATEGORIES) {
      double auprc = new BinaryClassificationEvaluator().setRawPredictionCol("model_score").setLabelCol("y")
          .setMetricName("areaUnderPR")
          .evaluate(evaluations.filter(col("category").equalTo(c))
              .withColumn("y", col("human_label").cast("double")));
      zeroShot.put(c, new double[] {evaluation.byCategory().get(c).f1(), auprc});
    }
    TrainStage.Result trained = StageRunners.train(ctx);
    return new Figures(items, zeroShot, trained.fits(), (System.nanoTime() - start) / 1e9, scoreSeconds, ctx, sets);
  }
}
