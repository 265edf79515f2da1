package io.ecolens.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

import io.ecolens.policy.Policy;
import io.ecolens.run.Background;
import io.ecolens.run.MetricRows;
import io.ecolens.run.RunContext;
import io.ecolens.run.Stage;
import io.ecolens.run.StageResult;
import io.ecolens.tables.Table;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * score: scores every sampled item against every policy category with the configured scorer,
 * one path for every scorer ({@link io.ecolens.scorer.Scorer#scorePartition}):
 *
 * <ol>
 *   <li>Rows of this run that will be written again are deleted ({@link ScoreLedger}). A scorer
 *       that sends to an LLM keeps the {@code ok} rows this run already committed for an unchanged
 *       item under the same cache key, and those items are not sent again: nothing is paid for
 *       twice, and a run stopped part-way resumes. Cached copies and {@code error} rows go, so an
 *       item that failed is sent again by every later run, under the same run id or another, until
 *       it scores. A local scorer scores all of the run's items again.
 *   <li>Items whose (content_hash, policy_version, prompt_hash, model) another run scored are not
 *       scored again: their rows are copied with status {@code cached}.
 *   <li>The rest is scored ({@link ChunkedScoring}). For an LLM it is split by a hash of content_id
 *       into pieces of about half {@code commit-every} items ({@link Pieces}); each piece is scored
 *       by P concurrent tasks and appended to {@code scores} in one Delta commit, and two pieces are
 *       in flight at once ({@link CommitWindow}): the next piece's tasks take the task slots as the
 *       previous piece's end, so requests stay in flight while a piece drains and commits. A job
 *       killed mid-way loses at most the two pieces not yet committed, about {@code commit-every}
 *       items; Spark task retries and speculative copies never duplicate rows because only the
 *       winning attempt's files commit. With {@code max-cost} set, or when two pieces' tasks could
 *       run together past {@code max-concurrency} ({@link PieceSlots}), one piece of
 *       {@code commit-every} items runs at a time. A local scorer's items are one chunk, on the
 *       input's own partitions.
 *   <li>A cascade with {@code score.cascade.tolerance} scores its pilot first ({@link CascadePilot}):
 *       up to {@code pilot-items} labelled items, every one sent to the second scorer; the bands
 *       fitted on them then score the rest.
 *   <li>Before each LLM chunk the spend so far plus the chunk's estimated cost is checked against
 *       {@code max-cost}; when it would pass the cap the stage stops cleanly and the next run with
 *       the same run id resumes with the items left.
 * </ol>
 *
 * <p>The stage's own writes stay off the request window where they can: it begins while the runner
 * marks its {@code runs} row running ({@link #readsRunRow}), counts the items while the ledger's
 * lookups and the endpoint's check run beside it, and its {@code metrics} rows are written while
 * the row is marked finished ({@link #publish}).
 *
 * <p>Global limits of the LLM: P = min(score.openai.partitions, or the job's task slots when 0;
 * max-concurrency). Each of the P partitions gets 1/P of max-concurrency, requests-per-minute and
 * tokens-per-minute ({@link io.ecolens.scorer.openai.TaskShare}), so the sum over the tasks that
 * can run at once never exceeds the global figure; the tasks running in one JVM lend each other the
 * in-flight requests they leave unused (a task's last round), within the sum of their shares. With
 * speculation on, shares are halved to leave room for copies.
 */
public final class ScoreStage implements Stage<ScoreStage.Result> {
  private static final Logger LOG = LoggerFactory.getLogger(ScoreStage.class);
  /**
   * Metric of report {@code score}, value 1 per category the embedded scorer decided at the
   * policy's hand-set zero-shot threshold ({@link ScorerSpec#uncalibratedCategories}).
   */
  public static final String UNCALIBRATED_THRESHOLD = "uncalibrated_threshold";

  /** What was scored: items of the run, how many came from the cache, were scored or left by the budget cap. */
  public record Result(String runId, long items, int categories, long cachedItems, long scoredItems, long okRows,
      long errorRows, long inputTokens, long outputTokens, double costUsd, long deferredItems, long awaitingItems)
      implements StageResult {
    @Override
    public Map<String, Long> counts() {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("scored", items);
      m.put("cached", cachedItems);
      m.put("score_rows_ok", okRows);
      m.put("errors", errorRows);
      if (deferredItems > 0) {
        m.put("deferred_by_budget", deferredItems);
      }
      if (awaitingItems > 0) {
        m.put("awaiting_batches", awaitingItems);
      }
      return m;
    }

    @Override
    public String summary() {
      return String.format("%,d items x %d categories, %,d reused, %,d error rows, $%.4f", items, categories,
          cachedItems, errorRows, costUsd);
    }

    @Override
    public List<String> details() {
      List<String> lines = new java.util.ArrayList<>();
      if (deferredItems > 0) {
        lines.add(String.format("stopped at the budget cap score.max-cost with %,d items left; run again with "
            + "--run-id %s to resume", deferredItems, runId));
      }
      if (awaitingItems > 0) {
        lines.add(String.format("%,d items are in batches the provider has not finished; collect them with "
            + "'score --collect --run-id %s' (exit code %d while they run)", awaitingItems, runId,
            io.ecolens.Errors.EXIT_BATCHES_RUNNING));
      }
      return lines;
    }

    @Override
    public Optional<Spend> spend() {
      return Optional.of(new Spend(inputTokens, outputTokens, costUsd));
    }
  }

  /** What scoring the run's items would take, before spending: what {@code score --estimate} prints. */
  public record Estimate(long items, long committedItems, long cachedItems, long toScoreItems, long requests,
      long inputTokens, long outputTokens, double costUsd) {}

  /**
   * What the stage does with {@code score.openai.mode: batch}: {@code ALL} submits and waits for
   * every batch; {@code SUBMIT} submits and returns; {@code COLLECT} collects the batches that have
   * ended, sends what they could not answer again, and returns without waiting.
   */
  public enum BatchStep { ALL, SUBMIT, COLLECT }

  private final BatchStep batchStep;

  /** The stage as the pipeline runs it: in batch mode it waits for its batches. */
  public ScoreStage() {
    this(BatchStep.ALL);
  }

  public ScoreStage(BatchStep batchStep) {
    this.batchStep = batchStep;
  }

  @Override
  public String name() {
    return "score";
  }

  /** The stage logs items per second itself. */
  @Override
  public boolean reportsOwnProgress() {
    return true;
  }

  /**
   * The requests, tokens and cost scoring {@code ctx}'s run would need, computed without writing
   * rows or calling the endpoint. Only scorers that send to an LLM have a price; others report
   * items only.
   */
  public Estimate estimate(RunContext ctx) {
    ScorerSpec spec = spec(ctx);
    Dataset<Row> items = items(ctx);
    long itemCount = counted(ctx, items);
    if (!ChunkedScoring.Plan.of(ctx, spec).paid()) {
      return new Estimate(itemCount, 0, 0, itemCount, 0, 0, 0, 0.0);
    }
    ScoreLedger ledger = new ScoreLedger(ctx, spec, items);
    Dataset<Row> remaining = ledger.notCommitted();
    long cachedItems = ledger.cachedCopies(remaining).select("content_id").distinct().count();
    Estimate e = CostEstimate.of(spec, ledger.notCached(remaining));
    return new Estimate(itemCount, itemCount - e.toScoreItems() - cachedItems, cachedItems, e.toScoreItems(),
        e.requests(), e.inputTokens(), e.outputTokens(), e.costUsd());
  }

  @Override
  public Result execute(RunContext ctx) {
    ScorerSpec spec = spec(ctx);
    Policy policy = spec.policy();
    ctx.describe("score", spec.describe() + ", policy " + policy.id() + " " + policy.version());
    ChunkedScoring.Plan plan = ChunkedScoring.Plan.of(ctx, spec);
    // the endpoint is checked while the items are counted and the ledger read, so that neither waits for the other
    CompletableFuture<Void> preflight = Background.run("ecolens-score-preflight", spec::preflight);
    Dataset<Row> items = items(ctx).persist(StorageLevel.MEMORY_AND_DISK());
    ScoreLedger.Pending pending = null;
    try {
      // collecting batches keeps the run's error rows: their items were tried, and sending them again on
      // every --collect would pay for them again and again (a plain rerun retries them, as online)
      boolean collecting = plan.paid() && spec.openai().batchMode() && batchStep == BatchStep.COLLECT;
      ScoreLedger ledger = new ScoreLedger(ctx, spec, items, collecting);
      long deferred = 0;
      long awaiting = 0;
      pending = ledger.pending(plan.paid(), () -> counted(ctx, items));
      long itemCount = pending.itemCount();
      if (pending.items() > 0) {
        Background.join(preflight);
        Dataset<Row> online = pending.toScore();
        long onlineItems = pending.items();
        if (plan.paid() && spec.openai().batchMode()) {
          BatchScoring.Outcome batches = new BatchScoring(ctx, spec, ledger, batchStep).score(pending.toScore());
          awaiting = batches.awaitingItems();
          online = online.filter(col("contentId").isin(batches.online().toArray()));
          onlineItems = batches.online().size();
        }
        long committed = pending.committedItems();
        ScorerSpec scoring = spec;
        if (onlineItems > 0 && spec.isCascade() && spec.cascade().piloting()) {
          // the pilot first, every item to the second scorer; then the rest with the bands fitted on it
          CascadePilot pilot = CascadePilot.pick(ctx, spec, items);
          Column inPilot = col("contentId").isin(pilot.ids().toArray());
          Dataset<Row> pilotItems = online.filter(inPilot);
          long pilotCount = pilotItems.count();
          if (pilotCount > 0) {
            deferred = new ChunkedScoring(ctx, spec, plan, ledger).score(pilotItems, pilotCount, itemCount, committed);
          }
          online = online.filter(not(inPilot));
          onlineItems -= pilotCount;
          committed += pilotCount;
          boolean pilotCut = deferred > onlineItems; // the budget cap stopped the pilot itself
          if (!pilotCut) {
            scoring = pilot.fit(items);
            deferred = 0;
          }
        }
        if (onlineItems > 0 && deferred == 0) {
          deferred = new ChunkedScoring(ctx, scoring, plan, ledger).score(online, onlineItems, itemCount, committed);
        }
      }
      return result(ctx, spec, ledger, itemCount, plan.paid(), deferred, awaiting);
    } finally {
      if (pending != null && pending.toScore() != items) {
        pending.toScore().unpersist(); // persisted by pending(), also when scoring stopped with an error
      }
      items.unpersist();
    }
  }

  /** Totals of the run's rows: in batch mode with its spend from {@link BatchFigures}. */
  private static Result result(RunContext ctx, ScorerSpec spec, ScoreLedger ledger, long itemCount, boolean paid,
      long deferred, long awaiting) {
    int categories = spec.policy().categories().size();
    ScoreLedger.Totals t = ledger.totals();
    if (paid && spec.openai().batchMode()) {
      t = BatchFigures.of(ctx).spend(t);
    }
    long cachedItems = t.cachedRows() / categories;
    LOG.info("score: {} items x {} categories with {} ({} reused, {} deferred by the budget), {} error rows, "
        + "{} input + {} output tokens, {} USD", itemCount, categories, spec.model(), cachedItems, deferred,
        t.errorRows(), t.inputTokens(), t.outputTokens(), String.format("%.4f", t.costUsd()));
    return new Result(ctx.runId(), itemCount, categories, cachedItems, itemCount - cachedItems - deferred - awaiting,
        t.okRows(), t.errorRows(), t.inputTokens(), t.outputTokens(), t.costUsd(), deferred, awaiting);
  }

  /** The run's {@code score} metrics and, for a cascade, its {@link CascadeFigures}. */
  @Override
  public void publish(RunContext ctx, Result r) {
    ScorerSpec spec = spec(ctx);
    boolean paid = spec.sendsToLlm();
    long itemCount = r.items();
    MetricRows metrics = new MetricRows(ctx.runId(), "score");
    metrics.add("items", "", "all", "all", itemCount, null, null, itemCount);
    metrics.add("cached_items", "", "all", "all", r.cachedItems(), null, null, itemCount);
    if (paid) {
      metrics.add("deferred_items", "", "all", "all", r.deferredItems(), null, null, itemCount);
    }
    metrics.add("error_rows", "", "all", "all", r.errorRows(), null, null, r.okRows() + r.errorRows());
    metrics.add("cost_usd", "", "all", "all", r.costUsd(), null, null, itemCount);
    metrics.add("input_tokens", "", "all", "all", r.inputTokens(), null, null, itemCount);
    metrics.add("output_tokens", "", "all", "all", r.outputTokens(), null, null, itemCount);
    if (paid && spec.openai().batchMode()) {
      BatchFigures.of(ctx).add(metrics, spec.openai().batchPriceFactor(), itemCount, r.awaitingItems());
    }
    for (String category : spec.uncalibratedCategories()) {
      metrics.add(UNCALIBRATED_THRESHOLD, category, "all", "all", 1.0, null, null, itemCount);
    }
    metrics.write(ctx);
    if (spec.isCascade()) {
      CascadeFigures.write(ctx, spec.cascade().second().id());
    }
  }

  /** The stage never reads its run's row of {@code runs}: it begins while the runner marks the row running. */
  @Override
  public boolean readsRunRow() {
    return false;
  }

  private static ScorerSpec spec(RunContext ctx) {
    return ScorerSpec.of(ctx.config(), ctx.policy(), ctx.spark().sparkContext().hadoopConfiguration());
  }

  /**
   * How many {@code items} there are; when none, fails with a hint to run {@code sample} if the run
   * has no samples at all (one query in the usual case, not a check and then a count).
   */
  private static long counted(RunContext ctx, Dataset<Row> items) {
    long n = items.count();
    if (n == 0) {
      ctx.store().requireRun(Table.SAMPLES, ctx.runId(), "sample");
    }
    return n;
  }

  /** The run's sampled items with their text, in the scorers' input columns. */
  private static Dataset<Row> items(RunContext ctx) {
    Dataset<Row> samples = ctx.store().readRun(Table.SAMPLES, ctx.runId());
    return ctx.store().readRun(Table.CONTENT, ctx.runId())
        .join(samples.select("content_id"), "content_id")
        .select(col("content_id").as("contentId"), col("content_hash").as("contentHash"), col("title"),
            col("description"), col("transcript"), col("hashtags"));
  }
}
