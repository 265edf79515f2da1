package io.ecolens.experiment;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.score.CascadeFigures;
import io.ecolens.score.ScoreLedger;
import io.ecolens.score.ScorerSpec;
import io.ecolens.tables.MetricRow;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The reads an experiment makes of {@code scores}: each variant's verdicts on the experiment's
 * items, and its operating figures (cost, tokens, latency, errors). Only per-item verdicts of
 * the sample (bounded by {@code max-items}) and one row of totals per variant reach the driver.
 */
final class VariantReads {
  private VariantReads() {}

  /** Cost, tokens, latency and errors of one variant, per item of the sample. */
  record Operations(long items, long rows, long errorRows, long inputTokens, long outputTokens, double costUsd,
      double paidUsd, double latencyP50Ms, double latencyP95Ms) {
    double costPer1kItems() {
      return items == 0 ? Double.NaN : costUsd / items * 1000;
    }

    double tokensPerItem() {
      return items == 0 ? Double.NaN : (double) (inputTokens + outputTokens) / items;
    }

    double errorRate() {
      return rows == 0 ? Double.NaN : (double) errorRows / rows;
    }
  }

  /** Fills {@code into} with the variant run's verdicts (status ok or cached) of the given items. */
  static void verdicts(TableStore store, String variantRun, Map<String, Integer> itemIndex, Judgements into) {
    Map<String, Integer> categoryIndex = indexOf(into.categories());
    List<Row> rows = store.readRun(Table.SCORES, variantRun)
        .filter(col("status").isin("ok", "cached").and(col("label").isNotNull()))
        .select("content_id", "category", "label", "score").collectAsList();
    for (Row r : rows) {
      Integer i = itemIndex.get(r.getString(0));
      Integer k = categoryIndex.get(r.getString(1));
      if (i != null && k != null) {
        into.set(k, i, r.getBoolean(2), r.isNullAt(3) ? Double.NaN : r.getDouble(3));
      }
    }
  }

  /** The adjudicated human labels of the given items. */
  static Judgements humanLabels(Dataset<Row> adjudicated, List<String> categories, Map<String, Integer> itemIndex) {
    Judgements human = new Judgements(categories, itemIndex.size());
    Map<String, Integer> categoryIndex = indexOf(categories);
    for (Row r : adjudicated.filter(col("human_label").isNotNull())
        .select("content_id", "category", "human_label").collectAsList()) {
      Integer i = itemIndex.get(r.getString(0));
      Integer k = categoryIndex.get(r.getString(1));
      if (i != null && k != null) {
        human.set(k, i, r.getBoolean(2), Double.NaN);
      }
    }
    return human;
  }

  /**
   * What scoring the variant's items costs, whether or not this run paid for it: a row copied
   * from the scoring ledger (status cached) carries no cost of its own, so tokens, cost and
   * latency come from the ledger row that paid for the same (content_hash, category,
   * policy_version, prompt_hash, model). {@code paidUsd} is what this run itself spent.
   */
  static Operations operations(TableStore store, String variantRun, ScorerSpec spec) {
    Dataset<Row> rows = store.readRun(Table.SCORES, variantRun);
    Dataset<Row> origin = store.read(Table.SCORES)
        .filter(col("status").equalTo("ok").and(ScoreLedger.sameKey(spec)))
        .withColumn("_n", row_number().over(Window.partitionBy("content_hash", "category")
            .orderBy(col("scored_at").desc(), col("run_id"))))
        .filter(col("_n").equalTo(1))
        .select(col("content_hash"), col("category"), col("input_tokens").as("o_in"),
            col("output_tokens").as("o_out"), col("cost_usd").as("o_cost"), col("latency_ms").as("o_latency"));
    Dataset<Row> joined = rows.join(origin, rows.col("content_hash").equalTo(origin.col("content_hash"))
            .and(rows.col("category").equalTo(origin.col("category")))
            .and(rows.col("status").equalTo(lit("cached"))), "left");
    Dataset<Row> perItem = joined.groupBy(col("content_id")).agg(
        count(lit(1)).as("rows"),
        sum(when(col("status").equalTo("error"), 1).otherwise(0)).as("errors"),
        sum(coalesce(col("o_in"), col("input_tokens"))).as("in"),
        sum(coalesce(col("o_out"), col("output_tokens"))).as("out"),
        sum(coalesce(col("o_cost"), col("cost_usd"))).as("cost"),
        sum(col("cost_usd")).as("paid"),
        max(coalesce(col("o_latency"), col("latency_ms"))).as("latency"));
    Row t = perItem.agg(count(lit(1)), sum("rows"), sum("errors"), sum("in"), sum("out"), sum("cost"), sum("paid"),
        expr("percentile(latency, array(0.5, 0.95))")).first();
    if (t.getLong(0) == 0) {
      return new Operations(0, 0, 0, 0, 0, 0, 0, Double.NaN, Double.NaN);
    }
    List<Double> latency = t.isNullAt(7) ? List.of(Double.NaN, Double.NaN) : t.getList(7);
    return new Operations(t.getLong(0), t.getLong(1), t.getLong(2), t.getLong(3), t.getLong(4), t.getDouble(5),
        t.getDouble(6), latency.get(0), latency.get(1));
  }

  private static Map<String, Integer> indexOf(List<String> values) {
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < values.size(); i++) {
      m.put(values.get(i), i);
    }
    return m;
  }

  /**
   * A cascade variant's band fit on its pilot, from its {@code metrics}: the curve as (cost per
   * 1,000 items, micro F1) points and the chosen point; empty when the variant fitted no bands.
   */
  static java.util.Optional<ExperimentPage.CascadeCurve> cascadeCurve(TableStore store, String variantRun) {
    List<MetricRow> rows = store.readRun(Table.METRICS, variantRun).filter(col("report").equalTo(CascadeFigures.FIT))
        .collectAsList().stream().map(MetricRow::of).toList();
    return CascadeFigures.fitOf(rows)
        .filter(f -> f.chosen().containsKey("cost_per_item_usd") && f.chosen().containsKey("f1_micro"))
        .map(f -> new ExperimentPage.CascadeCurve(
            f.curve().stream().map(p -> new double[] {p.costPerItemUsd() * 1000, p.microF1()}).toList(),
            new double[] {f.chosen().get("cost_per_item_usd") * 1000, f.chosen().get("f1_micro")}));
  }
}
