package io.ecolens.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.run.MetricRows;
import io.ecolens.run.RunContext;
import io.ecolens.tables.Table;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;

/**
 * The spend of a run scored in batch mode, split. What the batches cost is taken from {@code
 * llm_batches}: every answer they returned at the batch price, those of items that were sent again
 * included (a row carries its item's last answer only). What was scored online (with {@code
 * batch-fallback: online}) is taken from the rows that have a request of their own: a batch's rows
 * have a latency of 0. Written to {@code metrics} as {@code batch_cost_usd}, {@code
 * online_cost_usd}, {@code batch_saving_usd} (what the batches' answers would have cost more online)
 * and {@code awaiting_batch_items}; the run's {@code cost_usd} and tokens are their sums.
 */
record BatchFigures(double batchCost, long batchIn, long batchOut, double onlineCost, long onlineIn, long onlineOut) {

  static BatchFigures of(RunContext ctx) {
    Column collected = col("collected_at").isNotNull();
    Row b = ctx.store().readRun(Table.LLM_BATCHES, ctx.runId()).agg(
        sum(when(collected, col("cost_usd")).otherwise(lit(0.0))),
        sum(when(collected, col("input_tokens")).otherwise(lit(0L))),
        sum(when(collected, col("output_tokens")).otherwise(lit(0L)))).first();
    Column online = col("latency_ms").gt(0);
    Row o = ctx.store().readRun(Table.SCORES, ctx.runId()).agg(
        sum(when(online, col("cost_usd")).otherwise(lit(0.0))),
        sum(when(online, col("input_tokens")).otherwise(lit(0L))),
        sum(when(online, col("output_tokens")).otherwise(lit(0L)))).first();
    return new BatchFigures(dbl(b, 0), lng(b, 1), lng(b, 2), dbl(o, 0), lng(o, 1), lng(o, 2));
  }

  /** The rows' totals with the run's spend: batches and online together. */
  ScoreLedger.Totals spend(ScoreLedger.Totals rows) {
    return new ScoreLedger.Totals(rows.cachedRows(), rows.okRows(), rows.errorRows(), batchIn + onlineIn,
        batchOut + onlineOut, batchCost + onlineCost);
  }

  void add(MetricRows metrics, double priceFactor, long itemCount, long awaiting) {
    metrics.add("batch_cost_usd", "", "all", "all", batchCost, null, null, itemCount);
    metrics.add("online_cost_usd", "", "all", "all", onlineCost, null, null, itemCount);
    metrics.add("batch_saving_usd", "", "all", "all", batchCost / priceFactor - batchCost, null, null, itemCount);
    metrics.add("awaiting_batch_items", "", "all", "all", awaiting, null, null, itemCount);
  }

  private static double dbl(Row r, int i) {
    return r.isNullAt(i) ? 0.0 : r.getDouble(i);
  }

  private static long lng(Row r, int i) {
    return r.isNullAt(i) ? 0L : r.getLong(i);
  }
}
