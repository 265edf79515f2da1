package io.ecolens.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.run.MetricRows;
import io.ecolens.spark.Seqs;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Quality of the human labels, per category: inter-annotator agreement (Fleiss' kappa,
 * Krippendorff's alpha), each annotator's accuracy against the adjudicated label, and the human
 * ceiling: each annotator's label scored against the majority of the <em>other</em> annotators on
 * the item (leave-one-out, items where the others tie are left out), pooled over annotators, so
 * that the model's F1 can be read against what one human achieves.
 */
public final class HumanQuality {
  /** Report section of the inter-annotator figures. */
  public static final String REPORT = "human_agreement";

  private HumanQuality() {}

  /** Fleiss' kappa and Krippendorff's alpha per category from the vote counts of {@code adjudicated}. */
  public static Map<String, RaterAgreement> raterAgreement(Dataset<Row> adjudicated) {
    Column n = col("human_votes").cast("double");
    Column k = col("human_positive_votes").cast("double");
    Column same = k.multiply(k.minus(1)).plus(n.minus(k).multiply(n.minus(k).minus(1)));
    List<Row> rows = adjudicated.filter(col("human_votes").geq(2)).groupBy("category").agg(
        count(lit(1)).as("items"),
        sum(same.divide(n.multiply(n.minus(1)))).as("sum_agreement"),
        sum(k).as("positive_votes"),
        sum(n.minus(k)).as("negative_votes"),
        sum(same.divide(n.minus(1))).as("sum_coincidence")).collectAsList(); // one row per category
    Map<String, RaterAgreement> out = new TreeMap<>();
    for (Row r : rows) {
      out.put(r.getString(0), new RaterAgreement(r.getLong(1), r.getDouble(2),
          new double[] {r.getDouble(4), r.getDouble(3)}, r.getDouble(5)));
    }
    return out;
  }

  /** Adds every human-quality figure to {@code human} and the ceiling to {@code agreement}. */
  public static void addMetrics(Dataset<Row> labels, Dataset<Row> adjudicated, MetricRows human, MetricRows agreement) {
    raterAgreement(adjudicated).forEach((category, a) -> {
      addIfDefined(human, "fleiss_kappa", category, a.fleissKappa(), a.items());
      addIfDefined(human, "krippendorff_alpha", category, a.krippendorffAlpha(), a.items());
    });

    Dataset<Row> votes = labels.filter(col("label").isNotNull())
        .select(col("content_id"), col("category"), col("annotator_id"), col("label"));
    Column correct = when(col("label").equalTo(col("human_label")), 1L).otherwise(0L);
    List<Row> accuracy = votes
        .join(adjudicated.filter(col("human_label").isNotNull()), Seqs.of("content_id", "category"))
        .groupBy("category", "annotator_id").agg(sum(correct).as("correct"), count(lit(1)).as("n"))
        .collectAsList(); // one row per category x annotator
    Map<String, long[]> overall = new TreeMap<>();
    for (Row r : accuracy) {
      long c = r.getLong(2);
      long n = r.getLong(3);
      double[] ci = Agreement.wilson(c, n);
      human.add("annotator_accuracy", r.getString(0), "annotator", r.getString(1), (double) c / n, ci[0], ci[1], n);
      overall.merge(r.getString(1), new long[] {c, n}, (x, z) -> new long[] {x[0] + z[0], x[1] + z[1]});
    }
    overall.forEach((annotator, cn) -> {
      double[] ci = Agreement.wilson(cn[0], cn[1]);
      human.add("annotator_accuracy", "", "annotator", annotator, (double) cn[0] / cn[1], ci[0], ci[1], cn[1]);
    });

    // Leave-one-out: the others' votes are (n - 1, k - y); their majority is the reference.
    Column y = when(col("label"), 1).otherwise(0);
    Column othersPositive = col("human_positive_votes").minus(y);
    Column others = col("human_votes").minus(1);
    Column reference = when(othersPositive.multiply(2).gt(others), lit(true))
        .when(othersPositive.multiply(2).lt(others), lit(false));
    List<Row> ceiling = votes.join(adjudicated.select("content_id", "category", "human_votes", "human_positive_votes"),
            Seqs.of("content_id", "category"))
        .filter(col("human_votes").geq(2))
        .withColumn("reference", reference)
        .filter(col("reference").isNotNull())
        .groupBy("category").agg(
            sum(when(col("label").and(col("reference")), 1L).otherwise(0L)).as("tp"),
            sum(when(col("label").and(col("reference").unary_$bang()), 1L).otherwise(0L)).as("fp"),
            sum(when(col("label").unary_$bang().and(col("reference")), 1L).otherwise(0L)).as("fn"),
            sum(when(col("label").unary_$bang().and(col("reference").unary_$bang()), 1L).otherwise(0L)).as("tn"))
        .collectAsList(); // one row per category
    for (Row r : ceiling) {
      Agreement a = new Agreement(r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4));
      String category = r.getString(0);
      double[] f1 = a.f1Interval();
      double[] p = Agreement.wilson(a.tp(), a.tp() + a.fp());
      double[] rc = Agreement.wilson(a.tp(), a.tp() + a.fn());
      agreement.add("human_precision", category, "all", "all", a.precision(), p[0], p[1], a.tp() + a.fp());
      agreement.add("human_recall", category, "all", "all", a.recall(), rc[0], rc[1], a.tp() + a.fn());
      agreement.add("human_f1", category, "all", "all", a.f1(), f1[0], f1[1], a.n());
      double[] kci = a.kappaInterval();
      if (kci != null) {
        agreement.add("human_kappa", category, "all", "all", a.kappa(), kci[0], kci[1], a.n());
      }
    }
  }

  private static void addIfDefined(MetricRows rows, String metric, String category, double value, long n) {
    if (!Double.isNaN(value)) {
      rows.add(metric, category, "all", "all", value, null, null, n);
    }
  }
}
