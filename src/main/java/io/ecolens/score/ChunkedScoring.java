package io.ecolens.score;


import io.ecolens.EcolensException;
import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig;
import io.ecolens.config.OpenAiSettings;
import io.ecolens.policy.Policy;
import io.ecolens.run.Progress;
import io.ecolens.run.RunContext;
import io.ecolens.scorer.ScoreRow;
import io.ecolens.scorer.ScoringFailures;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.ScoringTask;
import io.ecolens.scorer.Scored;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores items chunk by chunk, each chunk appended to {@code scores} in one Delta commit, checking
 * the budget cap before each chunk; see {@link ScoreStage} for what that promises.
 */
final class ChunkedScoring {
  private static final Logger LOG = LoggerFactory.getLogger(ChunkedScoring.class);
  private static final Pattern STAGE_MESSAGE = Pattern.compile("Stage 'score' failed: ([^\\n]*)");
  private static final Pattern SYSTEMIC_MESSAGE = Pattern.compile("Scoring failed systemically: ([^\\n]*)");

  /**
   * How a scorer's items are scored. A scorer that sends to an LLM ({@code paid}) keeps the ok rows
   * a run already committed, commits every {@code commitEvery} items, scores on {@code tasks}
   * partitions sharing the endpoint's limits and stops at {@code maxCost} (0: no cap). A local
   * scorer scores every item again in one chunk on the input's own partitions ({@code tasks} 0).
   * With a {@code window} of 2, pieces of half {@code commitEvery} are scored two at a time (see
   * {@link CommitWindow}), so that a killed job still loses at most {@code commitEvery} items' answers.
   */
  record Plan(boolean paid, long commitEvery, int tasks, double maxCost, int window) {
    static Plan of(RunContext ctx, ScorerSpec spec) {
      if (!spec.sendsToLlm()) {
        return new Plan(false, Long.MAX_VALUE, 0, 0.0, 1);
      }
      OpenAiSettings s = spec.openai();
      int tasks = tasks(ctx, s);
      double maxCost = ctx.config().score().maxCost();
      int window = maxCost == 0 && s.commitEvery() >= 2 && PieceSlots.overlapSafe(ctx.spark().sparkContext(), tasks,
          s.maxConcurrency()) ? 2 : 1;
      return new Plan(true, s.commitEvery(), tasks, maxCost, window);
    }

    /** Concurrent scoring tasks: P = min(partitions or task slots, max-concurrency). */
    private static int tasks(RunContext ctx, OpenAiSettings s) {
      int slots = s.partitions() > 0 ? s.partitions() : ctx.spark().sparkContext().defaultParallelism();
      int tasks = Math.max(1, Math.min(slots, s.maxConcurrency()));
      if (ctx.spark().conf().get("spark.speculation", "false").equals("true")) {
        LOG.warn("score: spark.speculation is on; halving each task's share of score.openai limits");
        return Math.min(s.maxConcurrency(), tasks * 2);
      }
      return tasks;
    }

    /** Items per Spark job and Delta commit. */
    long pieceSize() {
      return window == 1 ? commitEvery : Math.max(1, commitEvery / window);
    }
  }

  /** What a piece's tasks scored: items tried (ok or error) and items that failed. */
  private record Tried(long items, long failed) {}

  private final RunContext ctx;
  private final ScorerSpec spec;
  private final Plan plan;
  private final ScoreLedger ledger;
  /** Shared by every task of every piece: tasks in one JVM pool their in-flight shares across pieces. */
  private final String limitGroup = UUID.randomUUID().toString();

  ChunkedScoring(RunContext ctx, ScorerSpec spec, Plan plan, ScoreLedger ledger) {
    this.ctx = ctx;
    this.spec = spec;
    this.plan = plan;
    this.ledger = ledger;
  }

  /**
   * Scores the {@code n} items of {@code toScore}, {@code committedItems} of the run's items being
   * committed before; returns how many of the run's items the budget cap left.
   */
  long score(Dataset<Row> toScore, long n, long itemCount, long committedItems) {
    long chunks = n <= 0 ? 1 : (n - 1) / plan.pieceSize() + 1;
    Pieces pieces = plan.tasks() > 0 ? Pieces.of(toScore, chunks, plan.tasks()) : null;
    double maxCost = plan.maxCost();
    double spentBefore = maxCost > 0 ? ledger.spent() : 0;
    double estimatedSoFar = 0;
    long[] tried = {committedItems, 0};
    LOG.info("score: {} items to score with {} in {} chunk(s){}{}", n, spec.model(), chunks, plan.tasks() > 0
        ? ", " + plan.tasks() + " concurrent task(s) sharing max-concurrency " + spec.openai().maxConcurrency() : "",
        plan.window() > 1 ? ", two chunks in flight at once" : "");
    try (Progress progress = Progress.start(ctx.spark(), "score", "items", n);
        CommitWindow<Tried> window = new CommitWindow<>(ctx.spark().sparkContext(), plan.window())) {
      LongAccumulator done = progress.counter();
      for (long c = 0; c < chunks; c++) {
        Dataset<Row> chunk = pieces == null ? toScore : pieces.piece(c);
        boolean last = false;
        if (maxCost > 0) {
          // the chunk's own estimate, scaled up when earlier chunks cost more than estimated
          double spent = ledger.spent();
          ScoreStage.Estimate e = CostEstimate.of(spec, chunk);
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
            chunk = chunk.limit((int) affordable).repartition(plan.tasks());
            last = true;
            estimatedSoFar += perItem / correction * affordable;
          } else {
            estimatedSoFar += e.costUsd();
          }
        }
        Dataset<Row> piece = chunk;
        long index = c;
        for (Tried t : window.submit(c, () -> scoreChunk(piece, index, done))) {
          stopIfSystemic(t, tried, n, window);
        }
        if (last) {
          break;
        }
      }
      for (Tried t : window.drain()) {
        stopIfSystemic(t, tried, n, window);
      }
    }
    // only the budget cap leaves items without rows: a scoring that stops otherwise throws
    long deferred = maxCost > 0 ? itemCount - ledger.itemsWithRows() : 0;
    if (deferred > 0) {
      LOG.warn("score: stopped at the budget cap score.max-cost = {} USD with {} items left; run score again with "
          + "the same --run-id (and a higher cap) to score them", maxCost, deferred);
    }
    return deferred;
  }

  /** Scores one chunk and appends its rows in one commit; returns what its tasks tried (counted once per task). */
  private Tried scoreChunk(Dataset<Row> chunk, long index, LongAccumulator done) {
    long start = System.nanoTime();
    ScorerSpec s = spec;
    List<String> categories = spec.policy().categories().stream().map(Policy.Category::id).toList();
    int batchSize = ctx.config().score().batchSize();
    int tasks = Math.max(1, plan.tasks());
    String limitGroup = this.limitGroup;
    LongAccumulator tried = ctx.spark().sparkContext().longAccumulator();
    LongAccumulator failed = ctx.spark().sparkContext().longAccumulator();
    MapPartitionsFunction<ScoringItem, ScoreRow> score = partition -> {
      ScoringTask task = new ScoringTask(categories, batchSize, tasks, TaskContext.getPartitionId(), limitGroup);
      Iterator<Scored> scored = s.scorer().scorePartition(partition, task, done::add);
      return ScoreRow.rowsOf(counted(scored, tried, failed));
    };
    Dataset<Row> rows = chunk.as(Encoders.bean(ScoringItem.class))
        .mapPartitions(score, Encoders.bean(ScoreRow.class))
        .toDF();
    try {
      ledger.appendScored(rows);
    } catch (RuntimeException e) {
      throw systemic(e);
    }
    LOG.info("score: chunk {} scored and committed in {} ms", index + 1, (System.nanoTime() - start) / 1_000_000);
    return new Tried(tried.value(), failed.value());
  }

  /** {@code scored}, counting each item as tried and, when any of its rows is an error, as failed. */
  private static Iterator<Scored> counted(Iterator<Scored> scored, LongAccumulator tried, LongAccumulator failed) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return scored.hasNext();
      }

      @Override
      public Scored next() {
        Scored s = scored.next();
        tried.add(1);
        if (s.scores().stream().anyMatch(c -> c.error() != null)) {
          failed.add(1);
        }
        return s;
      }
    };
  }

  /**
   * Stops the stage when the run's failed items pass {@code score.failure-bound}, once enough of the
   * {@code toTry} items have been tried to tell. Checked after each commit, so the rows written stay
   * and a rerun after the fix resumes. The committed chunks' counts ({@code tried}: items, failed) tell
   * when to look; the run's rows then give the figures and the most common reason, and a chunk still
   * in flight is cancelled (its items are sent again by the rerun).
   */
  private void stopIfSystemic(Tried chunk, long[] tried, long toTry, CommitWindow<Tried> window) {
    tried[0] += chunk.items();
    tried[1] += chunk.failed();
    EcolensConfig.FailureBound bound = ctx.config().score().failureBound();
    if (!new ScoringFailures(tried[0], tried[1], null, 0).systemic(bound.maxShare(), bound.minItems(), toTry)) {
      return;
    }
    ScoringFailures failures = ScoringFailures.of(ledger.runRows());
    if (failures.systemic(bound.maxShare(), bound.minItems(), toTry)) {
      window.cancelRunning();
      throw Errors.scoringFailed(failures.describe() + String.format(Locale.ROOT,
          ", past score.failure-bound (max-share %s once %,d items are tried) with %s. Likely fix: %s. "
              + "The rows written so far stay in table scores (status error, with the reason); after the fix run "
              + "score again with --run-id %s: items already scored are not sent again.",
          bound.maxShare(), Math.min(bound.minItems(), toTry), spec.model(), failures.likelyFix(), ctx.runId()));
    }
  }

  /** The ecolens error that stopped a task, unwrapped from Spark's job failure. */
  private static RuntimeException systemic(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EcolensException known) {
        return known;
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      Matcher systemic = SYSTEMIC_MESSAGE.matcher(String.valueOf(t.getMessage()));
      if (systemic.find()) {
        return Errors.scoringFailed(systemic.group(1));
      }
      Matcher m = STAGE_MESSAGE.matcher(String.valueOf(t.getMessage()));
      if (m.find()) {
        return Errors.stageFailed("score", m.group(1), e);
      }
    }
    return e;
  }
}
