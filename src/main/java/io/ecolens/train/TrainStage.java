package io.ecolens.train;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig;
import io.ecolens.embedding.Embedder;
import io.ecolens.embedding.EmbeddingStore;
import io.ecolens.policy.Policy;
import io.ecolens.run.MetricRows;
import io.ecolens.run.RunContext;
import io.ecolens.run.Stage;
import io.ecolens.run.StageResult;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.embedded.EmbeddedScorer;
import io.ecolens.scorer.embedded.EmbeddedSpec;
import io.ecolens.scorer.embedded.TrainedHeads;
import io.ecolens.spark.Seqs;
import io.ecolens.tables.Table;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple3;

/**
 * train: fits one logistic-regression head per policy category on the embeddings (score.embedded.model) of the
 * run's items that have human labels (majority vote; ties left out), reports k-fold
 * cross-validated precision, recall, F1 and AUPRC per category to {@code metrics} (report
 * {@code train}), and saves the heads, fitted on all labelled items, for the policy's version.
 * The decision threshold of each head is the one with the best out-of-fold F1 on a 0.05 grid; its
 * regularisation is chosen by inner cross-validation ({@link CrossValidation}). The vectors are
 * collected to the driver ({@link Labelled}) and every fit runs there ({@link LocalLogistic}): a
 * Spark job per optimizer iteration cost far more than the arithmetic. {@link #outsideSample()}
 * leaves out the run's sampled items, as {@code run} does when it trains before scoring them.
 */
public final class TrainStage implements Stage<TrainStage.Result> {
  private static final Logger LOG = LoggerFactory.getLogger(TrainStage.class);
  /** Fits run to convergence: the gradient's norm at most this times max(1, loss). */
  private static final double TOLERANCE = 1e-6;
  private static final int MAX_ITERATIONS = 1000;

  /**
   * The {@code metrics} row (report {@code train}) of the items fitted on, sliced by {@code sample}:
   * {@code excluded} when the run's sampled items were left out, {@code included} otherwise.
   */
  public static final String TRAINED_ITEMS = "trained_items";

  private final boolean outsideSample;

  /** Trains on all the run's labelled items (the {@code train} command). */
  public TrainStage() {
    this(false);
  }

  private TrainStage(boolean outsideSample) {
    this.outsideSample = outsideSample;
  }

  /** Trains on the run's labelled items that are not in its sample: the sample is scored next. */
  public static TrainStage outsideSample() {
    return new TrainStage(true);
  }

  /** Cross-validated quality of one category's head. */
  public record Fit(String category, long items, long positives, double precision, double recall, double f1,
      double auprc, double threshold, double regularization) {}

  /** What was trained and where it went. */
  public record Result(String path, long items, boolean outsideSample, Map<String, Fit> fits, List<String> skipped)
      implements StageResult {
    @Override
    public Map<String, Long> counts() {
      return Map.of("trained_items", items, "trained_heads", (long) fits.size());
    }

    @Override
    public String summary() {
      return String.format("trained heads on %,d labelled items%s, saved to %s", items,
          outsideSample ? " outside the sample" : "", path);
    }

    /** The cross-validated figures per category, and the categories left without a head. */
    @Override
    public List<String> details() {
      List<String> lines = new ArrayList<>();
      lines.add(String.format("  %-24s %7s %9s %9s %9s %9s %9s %14s", "category", "items", "precision", "recall", "f1",
          "auprc", "threshold", "regularization"));
      fits.values().forEach(f -> lines.add(String.format("  %-24s %7d %9.3f %9.3f %9.3f %9.3f %9.2f %14.4g",
          f.category(), f.items(), f.precision(), f.recall(), f.f1(), f.auprc(), f.threshold(), f.regularization())));
      if (!skipped.isEmpty()) {
        lines.add(String.format("  no head (too few labels of one class, or all in one fold): %s",
            String.join(", ", skipped)));
      }
      return lines;
    }
  }

  @Override
  public String name() {
    return "train";
  }

  @Override
  public Result execute(RunContext ctx) {
    Policy policy = ctx.policy();
    EcolensConfig.EmbeddedSettings settings = ctx.config().score().embedded();
    EcolensConfig.TrainSettings train = settings.train();
    String runId = ctx.runId();
    ctx.describe("train", "policy " + policy.id() + " " + policy.version() + ", " + train.folds() + " folds"
        + (outsideSample ? ", labelled items outside the sample" : ""));

    Labelled data = labelled(ctx, outsideSample);
    EmbeddedScorer zeroShot = new EmbeddedScorer(policy,
        new EmbeddedSpec(settings.model(), settings.maxTokens(), settings.intraOpThreads(), null));
    Map<String, Policy.Embedded> calibration = new LinkedHashMap<>();
    Map<String, TrainedHeads.Head> heads = new LinkedHashMap<>();
    Map<String, Fit> fits = new LinkedHashMap<>();
    List<String> skipped = new ArrayList<>();
    MetricRows metrics = new MetricRows(runId, "train");
    CrossValidation validation = new CrossValidation(new LocalLogistic(MAX_ITERATIONS, TOLERANCE, train.balanced()),
        train.regularizations(), train.folds(), train.innerFolds());
    for (int c = 0; c < policy.categories().size(); c++) {
      Policy.Category category = policy.categories().get(c);
      Labelled.Category labels = data.category(category.id());
      long n = labels.rows().length;
      long positives = labels.positives();
      calibrate(category, c, zeroShot, data, labels, metrics)
          .ifPresent(cal -> calibration.put(category.id(), cal));
      if (positives < train.folds() || n - positives < train.folds()) {
        skipped.add(category.id());
        LOG.warn("train: {} has {} positive and {} negative labelled items, fewer than {} folds need; no head",
            category.id(), positives, n - positives, train.folds());
        continue;
      }
      Optional<CrossValidation.Outcome> validated = validation.run(data, labels, category.id());
      if (validated.isEmpty()) {
        skipped.add(category.id());
        LOG.warn("train: in {} some fold's other folds hold only one class ({} positive of {} items); no head",
            category.id(), positives, n);
        continue;
      }
      CrossValidation.Outcome outcome = validated.get();
      Fit fit = outcome.fit();
      heads.put(category.id(), new TrainedHeads.Head(outcome.head().weights(), outcome.head().intercept(),
          fit.threshold(), positives, n));
      fits.put(category.id(), fit);
      metrics.add("cv_precision", category.id(), "all", "all", fit.precision(), null, null, n);
      metrics.add("cv_recall", category.id(), "all", "all", fit.recall(), null, null, n);
      metrics.add("cv_f1", category.id(), "all", "all", fit.f1(), null, null, n);
      metrics.add("cv_auprc", category.id(), "all", "all", fit.auprc(), null, null, n);
      metrics.add("threshold", category.id(), "all", "all", fit.threshold(), null, null, n);
      metrics.add("regularization", category.id(), "all", "all", fit.regularization(), null, null, n);
      LOG.info("train: {} on {} items ({} positive): CV precision {} recall {} F1 {} AUPRC {}, regularization {}",
          category.id(), n, positives, fit.precision(), fit.recall(), fit.f1(), fit.auprc(), fit.regularization());
    }
    if (heads.isEmpty() && calibration.isEmpty()) {
      throw Errors.missingInput("human labels with both classes for any category"
              + (outsideSample ? " among the items outside the sample" : ""), "policy_labels run " + runId,
          "Load labels (input.labels) with violating and allowed items per category (at least " + train.folds()
              + " of each for a head)" + (outsideSample ? ", label items beyond the sample, or set "
              + "score.embedded.train.before-scoring=false to score with the saved heads or zero-shot." : "."));
    }
    metrics.add(TRAINED_ITEMS, "", "sample", outsideSample ? "excluded" : "included", data.items(), null, null,
        data.items());
    metrics.write(ctx);
    TrainedHeads trained = new TrainedHeads(policy.id(), policy.version(),
        Embedder.modelId(settings.model(), settings.maxTokens()), Instant.now().toString(), runId, heads, calibration);
    String root = settings.headsRoot(ctx.config().catalog().warehouse());
    String path;
    try {
      path = trained.save(root, policy, settings.model(), ctx.spark().sparkContext().hadoopConfiguration()).toString();
    } catch (IOException e) {
      throw Errors.stageFailed("train", "cannot write the trained heads under " + root + ": " + e.getMessage(), e);
    }
    LOG.info("train: heads for {} and zero-shot calibration for {} categories saved to {}", heads.size(),
        calibration.size(), path);
    return new Result(path, data.items(), outsideSample, fits, skipped);
  }

  /**
   * The category's zero-shot calibration on its labelled items ({@link ZeroShotFit}), with the
   * policy's and the calibrated F1 on those items in {@code metrics}; empty without both classes.
   */
  private static Optional<Policy.Embedded> calibrate(Policy.Category category, int index, EmbeddedScorer zeroShot,
      Labelled data, Labelled.Category labels, MetricRows metrics) {
    int[] rows = labels.rows();
    long positives = labels.positives();
    if (positives == 0 || positives == rows.length) {
      return Optional.empty();
    }
    double[] similarity = new double[rows.length];
    double[] y = new double[rows.length];
    for (int r = 0; r < rows.length; r++) {
      similarity[r] = zeroShot.similarity(index, data.features()[rows[r]]);
      y[r] = labels.y()[rows[r]];
    }
    Optional<ZeroShotFit.Outcome> outcome = ZeroShotFit.fit(category.id(), similarity, y, category.embedded(),
        zeroShot.threshold(category));
    if (outcome.isEmpty()) {
      LOG.warn("train: {}: a higher zero-shot similarity does not mean a likelier violation on these labels; "
          + "zero-shot left uncalibrated (revise the category's definition and examples)", category.id());
      return Optional.empty();
    }
    ZeroShotFit.Outcome o = outcome.get();
    long n = rows.length;
    metrics.add("zero_shot_f1", category.id(), "all", "all", o.policyF1(), null, null, n);
    metrics.add("calibrated_f1", category.id(), "all", "all", o.fit().f1(), null, null, n);
    metrics.add("calibrated_threshold", category.id(), "all", "all", o.calibration().threshold(), null, null, n);
    metrics.add("calibrated_center", category.id(), "all", "all", o.calibration().center(), null, null, n);
    metrics.add("calibrated_scale", category.id(), "all", "all", o.calibration().scale(), null, null, n);
    LOG.info("train: {} zero-shot calibrated on {} items ({} positive): F1 {} -> {} (in sample), centre {} scale {} "
        + "threshold {}", category.id(), n, positives, o.policyF1(), o.fit().f1(), o.calibration().center(),
        o.calibration().scale(), o.calibration().threshold());
    return Optional.of(o.calibration());
  }

  /**
   * The run's labelled items in the driver (with {@code outsideSample}, those not in its {@code
   * samples}): majority votes per (item, category), ties left out; at
   * most train.max-items items (a seeded hash order picks them); their vectors from
   * {@code embeddings} (embedded first when missing); outer and inner folds from seeded hashes of
   * content_id.
   */
  static Labelled labelled(RunContext ctx, boolean outsideSample) {
    EcolensConfig.EmbeddedSettings settings = ctx.config().score().embedded();
    EcolensConfig.TrainSettings train = settings.train();
    String runId = ctx.runId();
    Dataset<Row> votes = ctx.store().requireRun(Table.POLICY_LABELS, runId, "ingest")
        .groupBy("content_id", "category")
        .agg(sum(when(col("label"), 1).otherwise(0)).as("pos"), count(lit(1)).as("n"))
        .filter(col("pos").multiply(2).notEqual(col("n")))
        .select(col("content_id"), col("category"),
            when(col("pos").multiply(2).gt(col("n")), 1.0).otherwise(0.0).as("label"));
    Dataset<Row> candidates = votes.select("content_id").distinct();
    if (outsideSample) {
      candidates = candidates.join(ctx.store().requireRun(Table.SAMPLES, runId, "sample").select("content_id"),
          Seqs.of("content_id"), "left_anti");
    }
    Dataset<Row> labelled = candidates
        .orderBy(hash(col("content_id"), lit(train.seed())), col("content_id"))
        .limit(train.maxItems());
    Dataset<ScoringItem> items = ctx.store().readRun(Table.CONTENT, runId)
        .join(labelled, "content_id")
        .select(col("content_id").as("contentId"), col("content_hash").as("contentHash"), col("title"),
            col("description"), col("transcript"), col("hashtags"))
        .as(Encoders.bean(ScoringItem.class))
        .persist(StorageLevel.MEMORY_AND_DISK()); // looked up, embedded and collected: the query runs once

    EmbeddingStore store = new EmbeddingStore(ctx.store(), settings.model(), settings.maxTokens(),
        settings.intraOpThreads());
    try {
      return Labelled.collect(embed(items, store)
          .withColumn("fold", pmod(hash(col("content_id"), lit(train.seed() + 1)), lit(train.folds())))
          .withColumn("inner_fold", pmod(hash(col("content_id"), lit(train.seed() + 2)), lit(train.innerFolds()))),
          votes);
    } finally {
      items.unpersist();
    }
  }

  /**
   * Embeddings of the items' text, as the embedded scorer embeds it ({@link ScoringItem#text}),
   * from {@code embeddings}: only texts it lacks are embedded. Columns content_id and vector (array
   * of float), in the items' own partitions and order: the vectors are broadcast (at most
   * train.max-items of them).
   */
  static Dataset<Row> embed(Dataset<ScoringItem> items, EmbeddingStore store) {
    Dataset<Row> texts = EmbeddingStore.keyed(items
        .map((MapFunction<ScoringItem, Tuple3<String, String, String>>) item ->
            new Tuple3<>(item.getContentId(), item.getContentHash(), item.text()),
            Encoders.tuple(Encoders.STRING(), Encoders.STRING(), Encoders.STRING()))
        .toDF("content_id", EmbeddingStore.CONTENT_HASH, EmbeddingStore.TEXT));
    Dataset<Row> vectors = store.embed(texts).vectors();
    return texts.join(broadcast(vectors), Seqs.of(EmbeddingStore.CONTENT_HASH, EmbeddingStore.TEXT_HASH))
        .select(col("content_id"), col(EmbeddingStore.VECTOR));
  }
}
