package io.ecolens.experiment;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.when;

import io.ecolens.spark.Seqs;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Items on which a variant and the baseline disagree, a few each way (the variant flags what the
 * baseline does not, and the reverse), with both rationales and the human label, so a policy
 * writer sees why a model, prompt or wording changes decisions. The most confident disagreements
 * (largest score gap) come first.
 */
public final class Disagreements {
  public static final String VARIANT_ONLY = "flagged only by the variant";
  public static final String BASELINE_ONLY = "flagged only by the baseline";
  private static final int TEXT_CHARS = 160;

  private Disagreements() {}

  /** One disagreement. {@code humanLabel} is null when the annotators tied. */
  public record Example(String direction, String contentId, String category, String text, Boolean humanLabel,
      boolean variantLabel, Double variantScore, String variantRationale, boolean baselineLabel,
      Double baselineScore, String baselineRationale) {}

  /** Up to {@code perDirection} examples each way, per variant run against the baseline run. */
  static List<Example> find(TableStore store, String variantRun, String baselineRun, String sampleRun,
      Dataset<Row> adjudicated, int perDirection) {
    if (perDirection == 0) {
      return List.of();
    }
    Dataset<Row> v = verdicts(store, variantRun, "v_");
    Dataset<Row> b = verdicts(store, baselineRun, "b_");
    Dataset<Row> text = store.readRun(Table.CONTENT, sampleRun).select(col("content_id"),
        substring(concat_ws(" | ", col("title"), col("description"), col("transcript")), 1, TEXT_CHARS).as("text"));
    Dataset<Row> both = v.join(b, Seqs.of("content_id", "category"))
        .filter(col("v_label").notEqual(col("b_label")))
        .join(adjudicated.select("content_id", "category", "human_label"), Seqs.of("content_id", "category"), "left")
        .join(text, Seqs.of("content_id"), "left")
        .withColumn("direction", when(col("v_label"), lit(VARIANT_ONLY)).otherwise(lit(BASELINE_ONLY)))
        .withColumn("_rank", row_number().over(Window.partitionBy("direction")
            .orderBy(abs(col("v_score").minus(col("b_score"))).desc_nulls_last(), col("content_id"), col("category"))))
        .filter(col("_rank").leq(perDirection))
        .orderBy(col("direction").desc(), col("_rank"));
    List<Example> out = new ArrayList<>();
    for (Row r : both.collectAsList()) {
      out.add(new Example(r.getAs("direction"), r.getAs("content_id"), r.getAs("category"), r.getAs("text"),
          r.getAs("human_label"), r.<Boolean>getAs("v_label"), r.getAs("v_score"), r.getAs("v_rationale"),
          r.<Boolean>getAs("b_label"), r.getAs("b_score"), r.getAs("b_rationale")));
    }
    return out;
  }

  private static Dataset<Row> verdicts(TableStore store, String run, String prefix) {
    return store.readRun(Table.SCORES, run)
        .filter(col("status").isin("ok", "cached").and(col("label").isNotNull()))
        .select(col("content_id"), col("category"), col("label").as(prefix + "label"),
            col("score").as(prefix + "score"), col("rationale").as(prefix + "rationale"));
  }
}
