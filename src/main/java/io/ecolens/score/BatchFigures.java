package io.ecolens.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.config.OpenAiSettings;
import io.ecolens.run.MetricRows;
import io.ecolens.run.RunContext;
import io.ecolens.tables.Table;
import org.apache.spark.sql.Row;

/**
 * The spend of a run scored in batch mode, split: {@code batch_cost_usd}, what its batches cost at
 * the batch price (every answer they returned, retried items' earlier answers included), {@code
 * online_cost_usd}, what the items scored online cost (with {@code batch-fallback: online}; the rows
 * of a batch have no request of their own and a latency of 0), and {@code batch_saving_usd}, what the
 * batches' answers would have cost more online. Items still at the provider are {@code
 * awaiting_batch_items}.
 */
final class BatchFigures {
  private BatchFigures() {}

  static void add(MetricRows metrics, RunContext ctx, OpenAiSettings settings, long itemCount,
      long awaiting) {
    Row b = ctx.store().readRun(Table.LLM_BATCHES, ctx.runId())
        .agg(sum(when(col("collected_at").isNotNull(), col("cost_usd")).otherwise(0.0))).first();
    double batchCost = b.isNullAt(0) ? 0.0 : b.getDouble(0);
    Row o = ctx.store().readRun(Table.SCORES, ctx.runId())
        .agg(sum(when(col("latency_ms").gt(0), col("cost_usd")).otherwise(0.0))).first();
    double onlineCost = o.isNullAt(0) ? 0.0 : o.getDouble(0);
    double saving = batchCost / settings.batchPriceFactor() - batchCost;
    metrics.add("batch_cost_usd", "", "all", "all", batchCost, null, null, itemCount);
    metrics.add("online_cost_usd", "", "all", "all", onlineCost, null, null, itemCount);
    metrics.add("batch_saving_usd", "", "all", "all", saving, null, null, itemCount);
    metrics.add("awaiting_batch_items", "", "all", "all", awaiting, null, null, itemCount);
  }
}
