package io.ecolens.score;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.ecolens.scorer.ScoreRow;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.CategoryScore;
import io.delta.tables.DeltaTable;
import io.ecolens.EcolensException;
import io.ecolens.Errors;
import io.ecolens.policy.Policy;
import io.ecolens.run.MetricRows;
import io.ecolens.run.Progress;
import io.ecolens.run.RunContext;
import io.ecolens.scorer.cascade.CascadeScorer;
import io.ecolens.scorer.openai.FanOut;
import io.ecolens.scorer.openai.OpenAiScorer;
import io.ecolens.config.OpenAiSettings;
import io.ecolens.scorer.openai.PromptBuilder;
import io.ecolens.scorer.openai.TaskShare;
import io.ecolens.tables.Table;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paid scoring ({@code openai}) in committed chunks, so that nothing is paid for twice.
 *
 * <ol>
 *   <li>Rows of this run that no longer match an item's cache key, were copied from the cache, or
 *       ended with {@code status = error} are deleted; {@code ok} rows this run already committed for
 *       an unchanged item stay, and those items are not sent again. An item that failed is sent
 *       again by every later run, under the same run id or another, until it scores.
 *   <li>Items another run scored under the same key are copied with status {@code cached}.
 *   <li>The rest is split by a hash of content_id into chunks of about {@code commit-every} items;
 *       each chunk is scored by at most P concurrent tasks and appended to {@code scores} in one
 *       Delta commit. A job killed mid-way loses at most the chunk in flight; Spark task retries and
 *       speculative copies never duplicate rows because only the winning attempt's files commit.
 *   <li>Before each chunk the spend so far plus the chunk's estimated cost is checked against
 *       {@code max-cost}; when it would pass the cap the stage stops cleanly and the next run with
 *       the same run id resumes with the items left.
 * </ol>
 *
 * <p>Global limits: P = min(score.openai.partitions, or the job's task slots when 0;
 * max-concurrency). Each of the P partitions gets 1/P of max-concurrency, requests-per-minute and
 * tokens-per-minute ({@link TaskShare}), so the sum over the tasks that can run at once never
 * exceeds the global figure. With speculation on, shares are halved to leave room for copies.
 */
final class LlmScoring {
  private static final Logger LOG = LoggerFactory.getLogger(LlmScoring.class);
  private static final Pattern STAGE_MESSAGE = Pattern.compile("Stage 'score' failed: ([^\\n]*)");
  /** JSON keys and punctuation around an item's text fields, in characters. */
  private static final int ITEM_JSON_OVERHEAD_CHARS = 60;

  private final RunContext ctx;
  private final ScorerSpec spec;
  private final OpenAiSettings settings;
  private final Dataset<Row> items;
  private final long itemCount;
  private final long start;

  LlmScoring(RunContext ctx, ScorerSpec spec, Dataset<Row> items, long itemCount, long start) {
    this.ctx = ctx;
    this.spec = spec;
    this.settings = spec.openai();
    this.items = items;
    this.itemCount = itemCount;
    this.start = start;
  }

  /** The estimate for this run, computed without writing or sending anything. */
  ScoreStage.Estimate estimate() {
    Dataset<Row> remaining = notCommitted();
    Dataset<Row> cachedIds = cachedIds(remaining);
    long cachedItems = cachedIds.count();
    Dataset<Row> toScore = remaining.join(cachedIds, remaining.col("contentId").equalTo(cachedIds.col("content_id")),
        "left_anti");
    ScoreStage.Estimate e = estimateOf(toScore);
    return new ScoreStage.Estimate(itemCount, itemCount - e.toScoreItems() - cachedItems, cachedItems,
        e.toScoreItems(), e.requests(), e.inputTokens(), e.outputTokens(), e.costUsd());
  }

  /** The estimate for sending exactly {@code toScore}. */
  private ScoreStage.Estimate estimateOf(Dataset<Row> toScore) {
    Row agg = toScore.agg(count(lit(1)), sum(length(coalesce(col("title"), lit("")))
        .plus(length(coalesce(col("description"), lit(""))))
        .plus(length(coalesce(col("transcript"), lit(""))))
        .plus(length(coalesce(concat_ws("\", \"", col("hashtags")), lit(""))))
        .plus(lit(ITEM_JSON_OVERHEAD_CHARS)))).first();
    long n = agg.getLong(0);
    long chars = agg.isNullAt(1) ? 0 : agg.getLong(1);
    return estimate(n, chars, n, 0, 0);
  }

  private ScoreStage.Estimate estimate(long n, long itemChars, long all, long committed, long cached) {
    PromptBuilder prompt = new PromptBuilder(spec.policy());
    long requests = (n + settings.itemsPerRequest() - 1) / settings.itemsPerRequest();
    long perRequest = PromptBuilder.estimateTokens(prompt.systemPrompt())
        + PromptBuilder.estimateTokens(prompt.userMessage(List.of())) + 8;
    long input = requests * perRequest + (itemChars + 3) / 4;
    long output = n * spec.policy().categories().size() * PromptBuilder.OUTPUT_TOKENS_PER_CATEGORY + requests * 10;
    return new ScoreStage.Estimate(all, committed, cached, n, requests, input, output, settings.cost(input, output));
  }

  ScoreStage.Result execute() {
    String runId = ctx.runId();
    Policy policy = spec.policy();
    ctx.describe("score", "openai " + settings.model() + " at " + settings.endpoint() + ", policy " + policy.id()
        + " " + policy.version());
    forgetStaleRows();
    Dataset<Row> remaining = notCommitted();
    Dataset<Row> cached = ScoreStage.cachedRows(remaining, ScoreStage.previousRows(ctx, spec), runId);
    if (!cached.isEmpty()) {
      append(cached);
    }
    Dataset<Row> cachedIds = cachedIds(remaining);
    Dataset<Row> toScore = remaining.join(cachedIds, remaining.col("contentId")
        .equalTo(cachedIds.col("content_id")), "left_anti").persist(StorageLevel.MEMORY_AND_DISK());
    long deferred = 0;
    try {
      long n = toScore.count();
      if (n > 0) {
        OpenAiScorer.preflight(settings);
        deferred = scoreInChunks(toScore, n);
      }
    } finally {
      toScore.unpersist();
    }
    return result(deferred);
  }

  /** Scores {@code n} items chunk by chunk; returns how many were left for the budget cap. */
  private long scoreInChunks(Dataset<Row> toScore, long n) {
    int tasks = tasks();
    long chunks = Math.max(1, (n + settings.commitEvery() - 1) / settings.commitEvery());
    Column chunkOf = pmod(xxhash64(col("contentId")), lit(chunks));
    double maxCost = ctx.config().score().maxCost();
    double spentBefore = spent();
    double estimatedSoFar = 0;
    LOG.info("score: {} items to send to {} in {} chunk(s), {} concurrent task(s) sharing max-concurrency {}",
        n, settings.model(), chunks, tasks, settings.maxConcurrency());
    try (Progress progress = Progress.start(ctx.spark(), "score", "items", n)) {
      LongAccumulator done = progress.counter();
      for (long c = 0; c < chunks; c++) {
        Dataset<Row> chunk = toScore.filter(chunkOf.equalTo(lit(c)));
        boolean last = false;
        if (maxCost > 0) {
          // the chunk's own estimate, scaled up when earlier chunks cost more than estimated
          double spent = spent();
          ScoreStage.Estimate e = estimateOf(chunk);
          double correction = estimatedSoFar > 0 ? Math.max(1.0, (spent - spentBefore) / estimatedSoFar) : 1.0;
          double perItem = e.toScoreItems() == 0 ? 0 : e.costUsd() * correction / e.toScoreItems();
          long affordable = perItem > 0 ? (long) Math.floor((maxCost - spent) / perItem) : Long.MAX_VALUE;
          if (affordable <= 0) {
            break;
          }
          if (affordable < e.toScoreItems()) {
            affordable = (long) Math.floor(affordable * 0.9); // the items kept may be longer than average
            if (affordable <= 0) {
              break;
            }
            chunk = chunk.limit((int) affordable);
            last = true;
            estimatedSoFar += perItem / correction * affordable;
          } else {
            estimatedSoFar += e.costUsd();
          }
        }
        scoreChunk(chunk, tasks, done);
        if (last) {
          break;
        }
      }
    }
    long deferred = itemCount - ctx.store().readRun(Table.SCORES, ctx.runId()).select("content_id").distinct().count();
    if (deferred > 0) {
      LOG.warn("score: stopped at the budget cap score.max-cost = {} USD with {} items left; run score again with "
          + "the same --run-id (and a higher cap) to score them", maxCost, deferred);
    }
    return deferred;
  }

  private void scoreChunk(Dataset<Row> chunk, int tasks, LongAccumulator done) {
    ScorerSpec s = spec;
    int batchSize = ctx.config().score().batchSize();
    MapPartitionsFunction<ScoringItem, ScoreRow> score = partition -> {
      TaskShare share = TaskShare.of(s.openai(), tasks, TaskContext.getPartitionId());
      // a cascade runs its first step here and sends only uncertain items, within the same share
      Iterator<FanOut.Scored> scored = s.scorer() instanceof CascadeScorer cascade
          ? cascade.fanOut(partition, batchSize, share, done::add)
          : ((OpenAiScorer) s.scorer()).fanOut(partition, share, done::add);
      return new Rows(scored);
    };
    Dataset<Row> rows = chunk.repartition(tasks)
        .as(Encoders.bean(ScoringItem.class))
        .mapPartitions(score, Encoders.bean(ScoreRow.class))
        .toDF();
    try {
      append(ScoreStage.withRunColumns(rows, spec, spec.policy(), ctx.runId()));
    } catch (RuntimeException e) {
      throw systemic(e);
    }
  }

  /** Concurrent scoring tasks: P = min(partitions or task slots, max-concurrency). */
  private int tasks() {
    int slots = settings.partitions() > 0 ? settings.partitions() : ctx.spark().sparkContext().defaultParallelism();
    int tasks = Math.max(1, Math.min(slots, settings.maxConcurrency()));
    if (ctx.spark().conf().get("spark.speculation", "false").equals("true")) {
      LOG.warn("score: spark.speculation is on; halving each task's share of score.openai limits");
      return Math.min(settings.maxConcurrency(), tasks * 2);
    }
    return tasks;
  }

  /** The ecolens error that stopped a task, unwrapped from Spark's job failure. */
  private static RuntimeException systemic(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EcolensException known) {
        return known;
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      Matcher m = STAGE_MESSAGE.matcher(String.valueOf(t.getMessage()));
      if (m.find()) {
        return Errors.stageFailed("score", m.group(1), e);
      }
    }
    return e;
  }

  /** Deletes this run's rows that are cached copies, errors, or whose item or cache key changed. */
  private void forgetStaleRows() {
    String location = ctx.store().location(Table.SCORES);
    Dataset<Row> keys = items.select(col("contentId").as("content_id"), col("contentHash").as("content_hash"));
    Column run = col("t.run_id").equalTo(lit(ctx.runId()));
    DeltaTable.forPath(ctx.spark(), location).as("t")
        .merge(keys.as("s"), run
            .and(col("t.content_id").equalTo(col("s.content_id")))
            .and(col("t.content_hash").equalTo(col("s.content_hash")))
            .and(keyMatches("t.")))
        .whenNotMatchedBySource(run)
        .delete()
        .execute();
  }

  /** Rows of the current key that count as done: only {@code ok}, so error rows are retried. */
  private Column keyMatches(String prefix) {
    return col(prefix + "status").equalTo("ok")
        .and(col(prefix + "policy_version").equalTo(lit(spec.policy().version())))
        .and(col(prefix + "prompt_hash").equalTo(lit(spec.promptHash())))
        .and(col(prefix + "model").equalTo(lit(spec.model())));
  }

  /** Items this run already committed with ok rows under the current key. */
  private Dataset<Row> committedIds() {
    Dataset<Row> mine = ctx.store().readRun(Table.SCORES, ctx.runId()).filter(keyMatches(""))
        .select(col("content_id"), col("content_hash")).distinct();
    Dataset<Row> keys = items.select(col("contentId").as("k_id"), col("contentHash").as("k_hash"));
    return mine.join(keys, mine.col("content_id").equalTo(keys.col("k_id"))
        .and(mine.col("content_hash").equalTo(keys.col("k_hash"))), "left_semi").select("content_id");
  }

  private Dataset<Row> notCommitted() {
    Dataset<Row> committed = committedIds();
    return items.join(committed, items.col("contentId").equalTo(committed.col("content_id")), "left_anti");
  }

  private Dataset<Row> cachedIds(Dataset<Row> remaining) {
    return ScoreStage.cachedRows(remaining, ScoreStage.previousRows(ctx, spec), ctx.runId())
        .select("content_id").distinct();
  }

  private double spent() {
    Row r = ctx.store().readRun(Table.SCORES, ctx.runId()).agg(sum("cost_usd")).first();
    return r.isNullAt(0) ? 0.0 : r.getDouble(0);
  }

  private void append(Dataset<Row> rows) {
    List<Column> columns = new ArrayList<>();
    for (StructField f : Table.SCORES.schema().fields()) {
      columns.add(col(f.name()).cast(f.dataType()).as(f.name()));
    }
    rows.select(columns.toArray(Column[]::new)).write().format("delta").mode("append")
        .save(ctx.store().location(Table.SCORES));
  }

  private ScoreStage.Result result(long deferred) {
    int categories = spec.policy().categories().size();
    Row t = ctx.store().readRun(Table.SCORES, ctx.runId()).agg(
        sum(when(col("status").equalTo("cached"), 1).otherwise(0)),
        sum(when(col("status").notEqual("error"), 1).otherwise(0)),
        sum(when(col("status").equalTo("error"), 1).otherwise(0)),
        sum("input_tokens"), sum("output_tokens"), sum("cost_usd")).first();
    long cachedItems = t.isNullAt(0) ? 0 : t.getLong(0) / categories;
    long okRows = t.isNullAt(1) ? 0 : t.getLong(1);
    long errorRows = t.isNullAt(2) ? 0 : t.getLong(2);
    long in = t.isNullAt(3) ? 0 : t.getLong(3);
    long out = t.isNullAt(4) ? 0 : t.getLong(4);
    double cost = t.isNullAt(5) ? 0 : t.getDouble(5);
    MetricRows metrics = new MetricRows(ctx.runId(), "score");
    metrics.add("items", "", "all", "all", itemCount, null, null, itemCount);
    metrics.add("cached_items", "", "all", "all", cachedItems, null, null, itemCount);
    metrics.add("deferred_items", "", "all", "all", deferred, null, null, itemCount);
    metrics.add("error_rows", "", "all", "all", errorRows, null, null, okRows + errorRows);
    metrics.add("cost_usd", "", "all", "all", cost, null, null, itemCount);
    metrics.add("input_tokens", "", "all", "all", in, null, null, itemCount);
    metrics.add("output_tokens", "", "all", "all", out, null, null, itemCount);
    metrics.write(ctx);
    if (spec.type().equals("cascade")) {
      CascadeFigures.write(ctx, spec.cascade().second());
    }
    LOG.info("score: {} items x {} categories with {} ({} reused, {} deferred by the budget), {} error rows, "
        + "{} input + {} output tokens, {} USD", itemCount, categories, spec.model(), cachedItems, deferred,
        errorRows, in, out, String.format("%.4f", cost));
    return new ScoreStage.Result(itemCount, cachedItems, itemCount - cachedItems - deferred, okRows, errorRows,
        in, out, cost, (System.nanoTime() - start) / 1e9, deferred);
  }

  /** Flattens a task's scored items into score rows. */
  private static final class Rows implements Iterator<ScoreRow> {
    private final Iterator<FanOut.Scored> fan;
    private final ArrayDeque<ScoreRow> buffer = new ArrayDeque<>();

    Rows(Iterator<FanOut.Scored> fan) {
      this.fan = fan;
    }

    @Override
    public boolean hasNext() {
      while (buffer.isEmpty() && fan.hasNext()) {
        FanOut.Scored s = fan.next();
        for (CategoryScore c : s.scores()) {
          buffer.add(ScoreRow.of(s.item(), c));
        }
      }
      return !buffer.isEmpty();
    }

    @Override
    public ScoreRow next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return buffer.poll();
    }
  }
}
