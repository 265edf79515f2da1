package io.ecolens.evaluate;

import io.ecolens.config.AdjudicationMethod;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.spark.Seqs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Turns several annotators' votes into one human label per item and category.
 *
 * <ul>
 *   <li>{@code majority}: more than half the votes; an exact tie gives no label (null).
 *   <li>{@code unanimity}: a label only when every annotator agrees; otherwise null.
 *   <li>{@code dawid-skene}: the EM estimate of Dawid &amp; Skene (1979) for a binary label per
 *       category: each annotator has a sensitivity and a specificity, the category a prior; the
 *       E-step gives each item's posterior P(violating | votes), the M-step re-estimates the
 *       annotator parameters (with add-one smoothing so no probability is 0 or 1). Started from
 *       the vote shares; the label is posterior &gt; 0.5 (null at exactly 0.5). Every iteration is
 *       two Spark aggregations; only the per-annotator parameters reach the driver.
 * </ul>
 *
 * <p>Output columns: content_id, category, human_votes, human_positive_votes, human_label,
 * human_posterior (the vote share, or the EM posterior).
 */
public final class Adjudication {
  private Adjudication() {}

  /** Adjudicates {@code labels} (content_id, category, annotator_id, label). */
  public static Dataset<Row> adjudicate(Dataset<Row> labels, AdjudicationMethod method, int iterations) {
    Dataset<Row> votes = labels.filter(col("label").isNotNull());
    Dataset<Row> counts = votes.groupBy("content_id", "category").agg(
        count(lit(1)).cast("int").as("human_votes"),
        sum(when(col("label"), 1).otherwise(0)).cast("int").as("human_positive_votes"));
    Column positive = col("human_positive_votes");
    Column all = col("human_votes");
    return switch (method) {
      case MAJORITY -> counts
            .withColumn("human_label", when(positive.multiply(2).gt(all), lit(true))
                .when(positive.multiply(2).lt(all), lit(false)))
            .withColumn("human_posterior", positive.divide(all));
      case UNANIMITY -> counts
            .withColumn("human_label", when(positive.equalTo(all), lit(true)).when(positive.equalTo(0), lit(false)))
            .withColumn("human_posterior", positive.divide(all));
      case DAWID_SKENE -> counts.join(dawidSkene(votes, iterations), Seqs.of("content_id", "category"))
            .withColumn("human_label", when(col("human_posterior").gt(0.5), lit(true))
                .when(col("human_posterior").lt(0.5), lit(false)));
    };
  }

  /** Per annotator and category: sensitivity and specificity; per category: the prior. */
  public record Parameters(Map<String, double[]> annotators, Map<String, Double> priors) {}

  /** content_id, category, human_posterior from the EM of Dawid &amp; Skene. */
  static Dataset<Row> dawidSkene(Dataset<Row> votes, int iterations) {
    Dataset<Row> y = votes.select(col("content_id"), col("category"), col("annotator_id"),
        when(col("label"), 1.0).otherwise(0.0).as("y"));
    Dataset<Row> posterior = y.groupBy("content_id", "category").agg(avg("y").as("human_posterior")).persist();
    Parameters previous = null;
    for (int i = 0; i < iterations; i++) {
      Parameters p = mStep(y, posterior);
      posterior.unpersist();
      posterior = eStep(y, p).persist();
      if (previous != null && maxChange(previous, p) < 1e-4) {
        break;
      }
      previous = p;
    }
    return posterior;
  }

  /** Re-estimates the parameters from the current posteriors (one small collect per iteration). */
  static Parameters mStep(Dataset<Row> y, Dataset<Row> posterior) {
    Column t = col("human_posterior");
    Column one = lit(1.0);
    List<Row> rows = y.join(posterior, Seqs.of("content_id", "category"))
        .groupBy("category", "annotator_id").agg(
            sum(t.multiply(col("y"))).as("tp"), sum(t).as("pos"),
            sum(one.minus(t).multiply(one.minus(col("y")))).as("tn"), sum(one.minus(t)).as("neg"))
        .collectAsList(); // one row per category x annotator
    Map<String, double[]> annotators = new HashMap<>();
    for (Row r : rows) {
      double sensitivity = (r.getDouble(2) + 1) / (r.getDouble(3) + 2);
      double specificity = (r.getDouble(4) + 1) / (r.getDouble(5) + 2);
      annotators.put(key(r.getString(0), r.getString(1)), new double[] {sensitivity, specificity});
    }
    Map<String, Double> priors = new HashMap<>();
    for (Row r : posterior.groupBy("category").agg(sum(t).as("s"), count(lit(1)).as("n")).collectAsList()) {
      priors.put(r.getString(0), (r.getDouble(1) + 1) / (r.getLong(2) + 2));
    }
    return new Parameters(annotators, priors);
  }

  /** Posterior per item from the parameters (a broadcast join with a small table). */
  static Dataset<Row> eStep(Dataset<Row> y, Parameters p) {
    List<Row> rows = new ArrayList<>();
    p.annotators().forEach((k, v) -> {
      String[] parts = k.split("\u0000", 2);
      rows.add(RowFactory.create(parts[0], parts[1], Math.log(v[0]), Math.log(1 - v[0]), Math.log(1 - v[1]),
          Math.log(v[1]), Math.log(p.priors().get(parts[0]) / (1 - p.priors().get(parts[0])))));
    });
    StructType schema = new StructType().add("category", DataTypes.StringType).add("annotator_id", DataTypes.StringType)
        .add("l1_pos", DataTypes.DoubleType).add("l1_neg", DataTypes.DoubleType)
        .add("l0_pos", DataTypes.DoubleType).add("l0_neg", DataTypes.DoubleType)
        .add("prior_logit", DataTypes.DoubleType);
    Dataset<Row> params = y.sparkSession().createDataFrame(rows, schema);
    Column positive = col("y").equalTo(1.0);
    return y.join(broadcast(params), Seqs.of("category", "annotator_id"))
        .groupBy("content_id", "category").agg(
            sum(when(positive, col("l1_pos")).otherwise(col("l1_neg"))).as("l1"),
            sum(when(positive, col("l0_pos")).otherwise(col("l0_neg"))).as("l0"),
            org.apache.spark.sql.functions.first("prior_logit").as("prior_logit"))
        .select(col("content_id"), col("category"),
            lit(1.0).divide(lit(1.0).plus(exp(col("l0").minus(col("l1")).minus(col("prior_logit")))))
                .as("human_posterior"));
  }

  private static double maxChange(Parameters a, Parameters b) {
    double max = 0;
    for (Map.Entry<String, double[]> e : b.annotators().entrySet()) {
      double[] old = a.annotators().get(e.getKey());
      if (old == null) {
        return Double.POSITIVE_INFINITY;
      }
      max = Math.max(max, Math.max(Math.abs(old[0] - e.getValue()[0]), Math.abs(old[1] - e.getValue()[1])));
    }
    return max;
  }

  private static String key(String category, String annotator) {
    return category + "\u0000" + annotator;
  }
}
