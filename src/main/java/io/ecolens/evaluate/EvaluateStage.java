package io.ecolens.evaluate;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.policy.Policy;
import io.ecolens.run.MetricRows;
import io.ecolens.run.RunContext;
import io.ecolens.spark.Seqs;
import io.ecolens.tables.Table;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * evaluate: joins the run's scores with the adjudicated human labels (majority vote of the
 * annotators; a tie is kept as a tie, not guessed), writes {@code evaluations}, per-category
 * agreement metrics, and the {@code review_queue}.
 */
public final class EvaluateStage {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateStage.class);

  /** What was evaluated. */
  public record Result(long evaluated, long ties, long reviewQueue, Map<String, Agreement> byCategory, double seconds) {
    public Map<String, Long> counts() {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("evaluated", evaluated);
      m.put("label_ties", ties);
      m.put("review_queue", reviewQueue);
      return m;
    }
  }

  private final RunContext ctx;

  public EvaluateStage(RunContext ctx) {
    this.ctx = ctx;
  }

  public Result execute() {
    long start = System.nanoTime();
    String runId = ctx.runId();
    ctx.describe("evaluate", "against policy_labels");
    Dataset<Row> scores = ctx.store().requireRun(Table.SCORES, runId, "score");
    Dataset<Row> labels = ctx.store().readRun(Table.POLICY_LABELS, runId);
    Dataset<Row> samples = ctx.store().readRun(Table.SAMPLES, runId);

    Dataset<Row> evaluations = evaluations(scores, adjudicate(labels), samples, runId);
    ctx.store().replaceRun(Table.EVALUATIONS, runId, evaluations);
    Dataset<Row> written = ctx.store().readRun(Table.EVALUATIONS, runId);

    List<Row> confusion = written.groupBy("category").agg(
        sum(when(col("outcome").equalTo("tp"), 1).otherwise(0)).as("tp"),
        sum(when(col("outcome").equalTo("fp"), 1).otherwise(0)).as("fp"),
        sum(when(col("outcome").equalTo("fn"), 1).otherwise(0)).as("fn"),
        sum(when(col("outcome").equalTo("tn"), 1).otherwise(0)).as("tn"),
        sum(when(col("outcome").equalTo("tie"), 1).otherwise(0)).as("ties"))
        .collectAsList(); // one row per category
    Map<String, Agreement> byCategory = new LinkedHashMap<>();
    long ties = 0;
    for (Policy.Category c : ctx.policy().categories()) {
      byCategory.put(c.id(), new Agreement(0, 0, 0, 0));
    }
    for (Row r : confusion) {
      byCategory.put(r.getString(0), new Agreement(r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4)));
      ties += r.getLong(5);
    }
    writeMetrics(byCategory);

    Dataset<Row> queue = reviewQueue(written, ctx.policy(), ctx.config().evaluate().uncertaintyBand(),
        ctx.config().evaluate().reviewQueuePerCategory());
    ctx.store().replaceRun(Table.REVIEW_QUEUE, runId, queue);
    long queued = ctx.store().readRun(Table.REVIEW_QUEUE, runId).count();
    long evaluated = byCategory.values().stream().mapToLong(Agreement::n).sum();
    LOG.info("evaluate: {} item x category pairs with human labels ({} ties), {} queued for review",
        evaluated, ties, queued);
    return new Result(evaluated, ties, queued, byCategory, (System.nanoTime() - start) / 1e9);
  }

  /** Majority vote per item and category; {@code human_label} is null on a tie. */
  static Dataset<Row> adjudicate(Dataset<Row> labels) {
    return labels.groupBy("content_id", "category").agg(
            count(lit(1)).cast("int").as("human_votes"),
            sum(when(col("label"), 1).otherwise(0)).cast("int").as("human_positive_votes"))
        .withColumn("human_label",
            when(col("human_positive_votes").multiply(2).gt(col("human_votes")), lit(true))
                .when(col("human_positive_votes").multiply(2).lt(col("human_votes")), lit(false)));
  }

  /** Scores (status ok or cached) joined to adjudicated labels; items without labels drop out. */
  static Dataset<Row> evaluations(Dataset<Row> scores, Dataset<Row> adjudicated, Dataset<Row> samples, String runId) {
    Column outcome = when(col("human_label").isNull(), lit("tie"))
        .when(col("label").and(col("human_label")), lit("tp"))
        .when(col("label"), lit("fp"))
        .when(col("human_label"), lit("fn"))
        .otherwise(lit("tn"));
    return scores.filter(col("status").isin("ok", "cached"))
        .join(adjudicated, Seqs.of("content_id", "category"))
        .join(samples.select("content_id", "stratum", "weight"), Seqs.of("content_id"), "left")
        .select(
            lit(runId).as("run_id"),
            col("content_id"),
            col("category"),
            col("stratum"),
            col("weight"),
            col("scorer"),
            col("label").as("model_label"),
            col("score").as("model_score"),
            col("human_label"),
            col("human_votes"),
            col("human_positive_votes"),
            outcome.as("outcome"));
  }

  /**
   * Disagreements first (the most confident mistakes at the top), then ties, then the items
   * whose score lies closest to the threshold; at most {@code perCategory} per category.
   */
  static Dataset<Row> reviewQueue(Dataset<Row> evaluations, Policy policy, double band, int perCategory) {
    List<Column> thresholds = new java.util.ArrayList<>();
    for (Policy.Category c : policy.categories()) {
      thresholds.add(lit(c.id()));
      thresholds.add(lit(c.threshold()));
    }
    Column threshold = org.apache.spark.sql.functions.element_at(
        org.apache.spark.sql.functions.map(thresholds.toArray(Column[]::new)), col("category"));
    Column distance = abs(col("model_score").minus(threshold));
    Column reason = when(col("outcome").equalTo("fp"), lit("false_positive"))
        .when(col("outcome").equalTo("fn"), lit("false_negative"))
        .when(col("outcome").equalTo("tie"), lit("annotators_tied"))
        .when(distance.lt(band), lit("low_confidence"));
    Column tier = when(col("outcome").isin("fp", "fn"), lit(0)).when(col("outcome").equalTo("tie"), lit(1)).otherwise(lit(2));
    // Mistakes: most confident first (largest distance); uncertain items: closest first.
    Column order = when(col("_tier").equalTo(0), lit(-1.0).multiply(col("_distance"))).otherwise(col("_distance"));
    return evaluations
        .withColumn("reason", reason)
        .filter(col("reason").isNotNull())
        .withColumn("_tier", tier)
        .withColumn("_distance", distance)
        .withColumn("priority", row_number().over(Window.partitionBy("category")
            .orderBy(col("_tier"), order, col("content_id"))))
        .filter(col("priority").leq(perCategory))
        .select(col("run_id"), col("content_id"), col("category"), col("reason"), col("model_score"),
            col("model_label"), col("human_label"), col("priority"));
  }

  private void writeMetrics(Map<String, Agreement> byCategory) {
    MetricRows metrics = new MetricRows(ctx.runId(), "agreement");
    Agreement micro = new Agreement(0, 0, 0, 0);
    double macroP = 0;
    double macroR = 0;
    double macroF = 0;
    for (Map.Entry<String, Agreement> e : byCategory.entrySet()) {
      Agreement a = e.getValue();
      add(metrics, e.getKey(), a);
      micro = micro.plus(a);
      macroP += a.precision();
      macroR += a.recall();
      macroF += a.f1();
    }
    int k = Math.max(1, byCategory.size());
    add(metrics, "micro", micro);
    metrics.add("precision", "macro", "all", "all", macroP / k, null, null, micro.n());
    metrics.add("recall", "macro", "all", "all", macroR / k, null, null, micro.n());
    metrics.add("f1", "macro", "all", "all", macroF / k, null, null, micro.n());
    metrics.write(ctx);
  }

  private static void add(MetricRows metrics, String category, Agreement a) {
    double[] p = Agreement.wilson(a.tp(), a.tp() + a.fp());
    double[] r = Agreement.wilson(a.tp(), a.tp() + a.fn());
    double[] acc = Agreement.wilson(a.tp() + a.tn(), a.n());
    metrics.add("precision", category, "all", "all", a.precision(), p[0], p[1], a.tp() + a.fp());
    metrics.add("recall", category, "all", "all", a.recall(), r[0], r[1], a.tp() + a.fn());
    metrics.add("f1", category, "all", "all", a.f1(), null, null, a.n());
    metrics.add("accuracy", category, "all", "all", a.accuracy(), acc[0], acc[1], a.n());
    metrics.add("specificity", category, "all", "all", a.specificity(), null, null, a.tn() + a.fp());
    metrics.add("tp", category, "all", "all", a.tp(), null, null, a.n());
    metrics.add("fp", category, "all", "all", a.fp(), null, null, a.n());
    metrics.add("fn", category, "all", "all", a.fn(), null, null, a.n());
    metrics.add("tn", category, "all", "all", a.tn(), null, null, a.n());
  }
}
