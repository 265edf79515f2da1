package io.ecolens.score;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.policy.Policy;
import io.ecolens.run.Background;
import io.ecolens.run.RunContext;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.storage.StorageLevel;

/**
 * The {@code scores} rows of one run under one cache key: (content_hash, policy_version,
 * prompt_hash, model). It knows which rows an earlier run left that this run may reuse (copied
 * with status {@code cached}), which of this run's rows are committed (status {@code ok} for the
 * item as it is now) and which are stale, and it makes every write to {@code scores}, through
 * {@link TableStore}.
 *
 * <p>Items are the score stage's input columns: {@code contentId, contentHash, title, ...}.
 */
public final class ScoreLedger {
  private final RunContext ctx;
  private final ScorerSpec spec;
  private final Dataset<Row> items;
  /** Whether the run's error rows count as done too (collecting batches: their items were tried, see {@link BatchScoring}). */
  private final boolean keepErrors;

  /** What the run's rows add up to. */
  record Totals(long cachedRows, long okRows, long errorRows, long inputTokens, long outputTokens, double costUsd) {}

  ScoreLedger(RunContext ctx, ScorerSpec spec, Dataset<Row> items) {
    this(ctx, spec, items, false);
  }

  ScoreLedger(RunContext ctx, ScorerSpec spec, Dataset<Row> items, boolean keepErrors) {
    this.ctx = ctx;
    this.spec = spec;
    this.items = items;
    this.keepErrors = keepErrors;
  }

  /**
   * The items left to score once {@link #forgetStale} has run and earlier runs' rows are copied
   * ({@link #cachedCopies}): {@code items} of them in {@code toScore}, of the run's {@code
   * itemCount} items {@code committedItems} being committed before and the rest copied from the cache.
   */
  record Pending(Dataset<Row> toScore, long items, long committedItems, long itemCount) {}

  /**
   * Forgets the run's stale rows ({@link #forgetStale}), copies the cached rows of the items left
   * and returns the items still to score. {@code countItems} counts {@link #items}; while it does,
   * two threads look whether the run has rows yet and whether an earlier run has any row under this
   * key, and when not (a new run; a new model or prompt) the merge and the joins are skipped. The
   * items returned are persisted (the caller unpersists them): a block lost with an executor is
   * computed again from the table versions first read, so the pieces committed meanwhile change nothing.
   */
  Pending pending(boolean keepCommitted, LongSupplier countItems) {
    ctx.store().location(Table.SCORES); // looked up once here, not by the first commit
    CompletableFuture<Boolean> runHasRows = Background.supply("ecolens-score-ledger", () -> !runRows().isEmpty());
    CompletableFuture<Boolean> cacheHasRows = Background.supply("ecolens-score-ledger", () -> !earlierRows().isEmpty());
    List<Dataset<Row>> kept = new ArrayList<>();
    try {
      long itemCount = countItems.getAsLong();
      Dataset<Row> remaining = items;
      long remainingCount = itemCount;
      if (Background.join(runHasRows)) {
        forgetStale(keepCommitted);
        remaining = keep(notCommitted(), kept);
        remainingCount = remaining.count();
      }
      long committedItems = itemCount - remainingCount;
      Dataset<Row> cached = Background.join(cacheHasRows) ? keep(cachedCopies(remaining), kept) : null;
      if (cached == null || cached.isEmpty()) {
        kept.remove(remaining); // stays persisted for the caller
        return new Pending(remaining, remainingCount, committedItems, itemCount);
      }
      append(cached);
      Dataset<Row> cachedIds = cached.select("content_id").distinct();
      Dataset<Row> toScore = remaining.join(cachedIds,
          remaining.col("contentId").equalTo(cachedIds.col("content_id")), "left_anti")
          .persist(StorageLevel.MEMORY_AND_DISK());
      return new Pending(toScore, toScore.count(), committedItems, itemCount);
    } finally {
      Background.settle(runHasRows); // a count that failed leaves no check running past the stage
      Background.settle(cacheHasRows);
      kept.forEach(Dataset::unpersist);
    }
  }

  private static Dataset<Row> keep(Dataset<Row> rows, List<Dataset<Row>> kept) {
    kept.add(rows.persist(StorageLevel.MEMORY_AND_DISK()));
    return rows;
  }

  /** Rows scored under {@code spec}'s cache key besides the item: same policy version, prompt hash and model. */
  public static Column sameKey(ScorerSpec spec) {
    return sameKey(spec, "");
  }

  private static Column sameKey(ScorerSpec spec, String prefix) {
    return col(prefix + "policy_version").equalTo(lit(spec.policy().version()))
        .and(col(prefix + "prompt_hash").equalTo(lit(spec.promptHash())))
        .and(col(prefix + "model").equalTo(lit(spec.model())));
  }

  /**
   * Rows of the current key that count as done: only {@code ok}, so error rows are retried; with
   * {@code keepErrors}, error rows too.
   */
  private Column committed(String prefix) {
    Column done = keepErrors ? col(prefix + "status").isin("ok", "error") : col(prefix + "status").equalTo("ok");
    return done.and(sameKey(spec, prefix));
  }

  /**
   * Deletes the run's rows that will be written again: with {@code keepCommitted}, its cached
   * copies, its error rows and the rows whose item or cache key changed, keeping the {@code ok} rows
   * it committed for an unchanged item; otherwise all of its rows.
   */
  void forgetStale(boolean keepCommitted) {
    Dataset<Row> keys = items.select(col("contentId").as("content_id"), col("contentHash").as("content_hash"));
    Column matches = keepCommitted
        ? col("t.content_id").equalTo(col("s.content_id"))
            .and(col("t.content_hash").equalTo(col("s.content_hash")))
            .and(committed("t."))
        : lit(false);
    ctx.store().deleteRunRowsNotIn(Table.SCORES, ctx.runId(), keys, matches);
  }

  /** The items this run has not committed {@code ok} rows for under the current key. */
  Dataset<Row> notCommitted() {
    Dataset<Row> mine = runRows().filter(committed(""))
        .select(col("content_id"), col("content_hash")).distinct();
    Dataset<Row> keys = items.select(col("contentId").as("k_id"), col("contentHash").as("k_hash"));
    Dataset<Row> committed = mine.join(keys, mine.col("content_id").equalTo(keys.col("k_id"))
        .and(mine.col("content_hash").equalTo(keys.col("k_hash"))), "left_semi").select("content_id");
    return items.join(committed, items.col("contentId").equalTo(committed.col("content_id")), "left_anti");
  }

  /** Earlier runs' rows this run may reuse: the same cache key, status ok or cached. */
  private Dataset<Row> earlierRows() {
    return ctx.store().read(Table.SCORES)
        .filter(col("run_id").notEqual(lit(ctx.runId())).and(sameKey(spec, ""))
            .and(col("status").isin("ok", "cached")));
  }

  /** The latest earlier row of each of {@code some} items' hash and category, copied for this run as cached. */
  Dataset<Row> cachedCopies(Dataset<Row> some) {
    Dataset<Row> latest = earlierRows()
        .withColumn("_n", row_number().over(Window.partitionBy("content_hash", "category")
            .orderBy(col("scored_at").desc(), col("run_id"))))
        .filter(col("_n").equalTo(1))
        .drop("_n", "content_id", "run_id");
    return some.select(col("contentId").as("content_id"), col("contentHash").as("content_hash"))
        .join(latest, "content_hash")
        .withColumn("run_id", lit(ctx.runId()))
        .withColumn("status", lit("cached"))
        .withColumn("input_tokens", lit(0L))
        .withColumn("output_tokens", lit(0L))
        .withColumn("cost_usd", lit(0.0))
        .withColumn("attempts", lit(0));
  }

  /** Those of {@code some} items that no earlier run's row covers: the items to score. */
  Dataset<Row> notCached(Dataset<Row> some) {
    Dataset<Row> cachedIds = cachedCopies(some).select("content_id").distinct();
    return some.join(cachedIds, some.col("contentId").equalTo(cachedIds.col("content_id")), "left_anti");
  }

  /** Appends rows shaped as {@code scores} to the run, in one commit. */
  void append(Dataset<Row> rows) {
    ctx.store().append(Table.SCORES, rows);
  }

  /** Appends the rows the executors returned ({@link io.ecolens.scorer.ScoreRow} beans), with the run's columns. */
  void appendScored(Dataset<Row> scored) {
    append(withRunColumns(scored));
  }

  /**
   * Appends those of the scored rows whose item and category the run has no row for yet, in one
   * commit: a batch's answers, which two processes collecting the same run could both append.
   */
  void appendScoredOnce(Dataset<Row> scored) {
    ctx.store().appendMissingInRun(Table.SCORES, ctx.runId(), withRunColumns(scored), List.of("content_id", "category"));
  }

  /** Adds the columns every scores row carries to the beans the executors returned. */
  private Dataset<Row> withRunColumns(Dataset<Row> scored) {
    Policy policy = spec.policy();
    List<Column> severities = new ArrayList<>();
    for (Policy.Category c : policy.categories()) {
      severities.add(lit(c.id()));
      severities.add(lit(c.severity()));
    }
    Column severity = element_at(map(severities.toArray(Column[]::new)), col("category"));
    return scored.select(
        lit(ctx.runId()).as("run_id"),
        col("contentId").as("content_id"),
        col("contentHash").as("content_hash"),
        coalesce(col("scorer"), lit(spec.type().id())).as("scorer"),
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

  /** The run's rows of {@code scores}. */
  Dataset<Row> runRows() {
    return ctx.store().readRun(Table.SCORES, ctx.runId());
  }

  /** What the run has spent so far, in USD. */
  double spent() {
    Row r = runRows().agg(sum("cost_usd")).first();
    return r.isNullAt(0) ? 0.0 : r.getDouble(0);
  }

  /** Items with rows in the run. */
  long itemsWithRows() {
    return runRows().select("content_id").distinct().count();
  }

  /** The run's rows added up. */
  Totals totals() {
    Row t = runRows().agg(
        sum(when(col("status").equalTo("cached"), 1).otherwise(0)),
        sum(when(col("status").notEqual("error"), 1).otherwise(0)),
        sum(when(col("status").equalTo("error"), 1).otherwise(0)),
        sum("input_tokens"), sum("output_tokens"), sum("cost_usd")).first();
    return new Totals(t.isNullAt(0) ? 0 : t.getLong(0), t.isNullAt(1) ? 0 : t.getLong(1),
        t.isNullAt(2) ? 0 : t.getLong(2), t.isNullAt(3) ? 0 : t.getLong(3), t.isNullAt(4) ? 0 : t.getLong(4),
        t.isNullAt(5) ? 0.0 : t.getDouble(5));
  }
}
