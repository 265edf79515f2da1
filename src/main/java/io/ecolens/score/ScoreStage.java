package io.ecolens.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.scorer.PartitionScorer;
import io.ecolens.scorer.ScoreRow;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.policy.Policy;
import io.ecolens.run.MetricRows;
import io.ecolens.run.Progress;
import io.ecolens.run.RunContext;
import io.ecolens.tables.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * score: scores every sampled item against every policy category with the configured scorer.
 * Items whose (content_hash, policy_version, prompt_hash, model) was scored by an earlier run are
 * not scored again: their rows are copied with status {@code cached}.
 */
public final class ScoreStage {
  private static final Logger LOG = LoggerFactory.getLogger(ScoreStage.class);

  /** What was scored. */
  public record Result(long items, long cachedItems, long scoredItems, long okRows, long errorRows,
      long inputTokens, long outputTokens, double costUsd, double seconds, long deferredItems) {
    public Result(long items, long cachedItems, long scoredItems, long okRows, long errorRows,
        long inputTokens, long outputTokens, double costUsd, double seconds) {
      this(items, cachedItems, scoredItems, okRows, errorRows, inputTokens, outputTokens, costUsd, seconds, 0);
    }

    public Map<String, Long> counts() {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("scored", items);
      m.put("cached", cachedItems);
      m.put("score_rows_ok", okRows);
      m.put("errors", errorRows);
      if (deferredItems > 0) {
        m.put("deferred_by_budget", deferredItems);
      }
      return m;
    }
  }

  /** What scoring the run's items would take, before spending: what {@code score --estimate} prints. */
  public record Estimate(long items, long committedItems, long cachedItems, long toScoreItems, long requests,
      long inputTokens, long outputTokens, double costUsd) {}

  private final RunContext ctx;

  public ScoreStage(RunContext ctx) {
    this.ctx = ctx;
  }

  /**
   * The requests, tokens and cost scoring this run would need, computed without writing rows or
   * calling the endpoint. Only the {@code openai} scorer has a price; others report items only.
   */
  public Estimate estimate() {
    Policy policy = ctx.policy();
    ScorerSpec spec = ScorerSpec.of(ctx.config(), policy, ctx.spark().sparkContext().hadoopConfiguration());
    Dataset<Row> items = items();
    long itemCount = items.count();
    if (spec.sendsToLlm()) {
      return new LlmScoring(ctx, spec, items, itemCount, System.nanoTime()).estimate();
    }
    return new Estimate(itemCount, 0, 0, itemCount, 0, 0, 0, 0.0);
  }

  private Dataset<Row> items() {
    Dataset<Row> samples = ctx.store().requireRun(Table.SAMPLES, ctx.runId(), "sample");
    return ctx.store().readRun(Table.CONTENT, ctx.runId())
        .join(samples.select("content_id"), "content_id")
        .select(col("content_id").as("contentId"), col("content_hash").as("contentHash"), col("title"),
            col("description"), col("transcript"), col("hashtags"));
  }

  public Result execute() {
    long start = System.nanoTime();
    Policy policy = ctx.policy();
    ScorerSpec spec = ScorerSpec.of(ctx.config(), policy, ctx.spark().sparkContext().hadoopConfiguration());
    String runId = ctx.runId();
    ctx.describe("score", spec.type() + ", policy " + policy.id() + " " + policy.version());

    Dataset<Row> items = items();
    long itemCount = items.count();
    if (spec.sendsToLlm()) {
      return new LlmScoring(ctx, spec, items, itemCount, start).execute();
    }

    Dataset<Row> previous = ctx.store().read(Table.SCORES)
        .filter(col("run_id").notEqual(lit(runId))
            .and(col("policy_version").equalTo(lit(policy.version())))
            .and(col("prompt_hash").equalTo(lit(spec.promptHash())))
            .and(col("model").equalTo(lit(spec.model())))
            .and(col("status").isin("ok", "cached")));
    Dataset<Row> cached = cachedRows(items, previous, runId);
    Dataset<Row> toScore = items.alias("i").join(cached.select(col("content_id")).distinct().alias("c"),
        col("i.contentId").equalTo(col("c.content_id")), "left_anti");

    List<String> categories = policy.categories().stream().map(Policy.Category::id).toList();
    int batchSize = ctx.config().score().batchSize();
    Dataset<Row> fresh;
    try (Progress progress = Progress.start(ctx.spark(), "score", "items", itemCount)) {
      LongAccumulator done = progress.counter();
      MapPartitionsFunction<ScoringItem, ScoreRow> scorePartition = partition ->
          new PartitionScorer(partition, spec.scorer(), categories, batchSize, done::add);
      Dataset<Row> scored = toScore.as(Encoders.bean(ScoringItem.class))
          .mapPartitions(scorePartition, Encoders.bean(ScoreRow.class))
          .toDF();
      fresh = withRunColumns(scored, spec, policy, runId);
      ctx.store().replaceRun(Table.SCORES, runId, fresh.unionByName(cached));
    }

    Row totals = ctx.store().readRun(Table.SCORES, runId).agg(
        sum(when(col("status").equalTo("cached"), 1).otherwise(0)).as("cached_rows"),
        sum(when(col("status").notEqual("error"), 1).otherwise(0)).as("ok_rows"),
        sum(when(col("status").equalTo("error"), 1).otherwise(0)).as("error_rows"),
        sum("input_tokens"), sum("output_tokens"), sum("cost_usd"), count(lit(1))).first();
    long cachedItems = totals.isNullAt(0) ? 0 : totals.getLong(0) / categories.size();
    long okRows = totals.isNullAt(1) ? 0 : totals.getLong(1);
    long errorRows = totals.isNullAt(2) ? 0 : totals.getLong(2);
    long inputTokens = totals.isNullAt(3) ? 0 : totals.getLong(3);
    long outputTokens = totals.isNullAt(4) ? 0 : totals.getLong(4);
    double cost = totals.isNullAt(5) ? 0 : totals.getDouble(5);
    Result result = new Result(itemCount, cachedItems, itemCount - cachedItems, okRows, errorRows,
        inputTokens, outputTokens, cost, (System.nanoTime() - start) / 1e9);

    MetricRows metrics = new MetricRows(runId, "score");
    metrics.add("items", "", "all", "all", itemCount, null, null, itemCount);
    metrics.add("cached_items", "", "all", "all", cachedItems, null, null, itemCount);
    metrics.add("error_rows", "", "all", "all", errorRows, null, null, okRows + errorRows);
    metrics.add("cost_usd", "", "all", "all", cost, null, null, itemCount);
    metrics.add("input_tokens", "", "all", "all", inputTokens, null, null, itemCount);
    metrics.add("output_tokens", "", "all", "all", outputTokens, null, null, itemCount);
    metrics.write(ctx);
    if (spec.type().equals("cascade")) {
      io.ecolens.score.CascadeFigures.write(ctx, spec.cascade().second());
    }
    LOG.info("score: {} items x {} categories with {} ({} reused from earlier runs), {} error rows",
        itemCount, categories.size(), spec.model(), cachedItems, errorRows);
    return result;
  }

  /** Earlier runs' reusable rows: same policy version, prompt hash and model, status ok or cached. */
  static Dataset<Row> previousRows(RunContext ctx, ScorerSpec spec) {
    Policy policy = spec.policy();
    return ctx.store().read(Table.SCORES)
        .filter(col("run_id").notEqual(lit(ctx.runId()))
            .and(col("policy_version").equalTo(lit(policy.version())))
            .and(col("prompt_hash").equalTo(lit(spec.promptHash())))
            .and(col("model").equalTo(lit(spec.model())))
            .and(col("status").isin("ok", "cached")));
  }

  /** Earlier rows with the same cache key, copied for this run's items with status cached. */
  static Dataset<Row> cachedRows(Dataset<Row> items, Dataset<Row> previous, String runId) {
    Dataset<Row> latest = previous
        .withColumn("_n", row_number().over(Window.partitionBy("content_hash", "category")
            .orderBy(col("scored_at").desc(), col("run_id"))))
        .filter(col("_n").equalTo(1))
        .drop("_n", "content_id", "run_id");
    return items.select(col("contentId").as("content_id"), col("contentHash").as("content_hash"))
        .join(latest, "content_hash")
        .withColumn("run_id", lit(runId))
        .withColumn("status", lit("cached"))
        .withColumn("input_tokens", lit(0L))
        .withColumn("output_tokens", lit(0L))
        .withColumn("cost_usd", lit(0.0))
        .withColumn("attempts", lit(0));
  }

  /** Adds the columns every scores row carries to the beans the executors returned. */
  static Dataset<Row> withRunColumns(Dataset<Row> scored, ScorerSpec spec, Policy policy, String runId) {
    List<Column> severities = new ArrayList<>();
    for (Policy.Category c : policy.categories()) {
      severities.add(lit(c.id()));
      severities.add(lit(c.severity()));
    }
    Column severity = element_at(org.apache.spark.sql.functions.map(severities.toArray(Column[]::new)),
        col("category"));
    return scored.select(
        lit(runId).as("run_id"),
        col("contentId").as("content_id"),
        col("contentHash").as("content_hash"),
        org.apache.spark.sql.functions.coalesce(col("scorer"), lit(spec.type())).as("scorer"),
        lit(spec.model()).as("model"),
        lit(policy.version()).as("policy_version"),
        lit(spec.promptHash()).as("prompt_hash"),
        col("category"),
        col("label"),
        col("score"),
        severity.as("severity"),
        col("rationale"),
        col("status"),
        col("error"),
        col("inputTokens").as("input_tokens"),
        col("outputTokens").as("output_tokens"),
        col("latencyMs").as("latency_ms"),
        col("costUsd").as("cost_usd"),
        col("attempts"),
        current_timestamp().as("scored_at"));
  }
}
