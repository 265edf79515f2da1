package io.ecolens.sample;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Probability-proportional-to-views sampling with exact sizes per stratum: Pareto πps sampling
 * (Rosén 1997). Each item's target inclusion probability is λ_i = n_h x_i / X_h with size x_i =
 * views + 1 (so an unseen item can still be drawn); items with λ ≥ 1 are taken with certainty and
 * λ is recomputed for the rest (repeated a few times, each a per-stratum aggregation). Items are
 * ranked by the Pareto key Q_i = [U_i / (1 − U_i)] / [λ_i / (1 − λ_i)] with U_i a uniform from a
 * hash of (seed, content_id), and the n_h smallest are taken. The realised inclusion probabilities
 * equal λ_i to a close approximation (Rosén), and λ_i is what {@code samples} records.
 */
public final class ViewWeightedDraw {
  private static final int CERTAINTY_ROUNDS = 4;

  private ViewWeightedDraw() {}

  /**
   * Draws the sample; pure given its inputs.
   *
   * @param keyed content rows with {@code content_id}, {@code stratum} and {@code views}
   * @param population items per stratum (N_h)
   * @param allocation sample size per stratum (n_h)
   * @return rows shaped like {@code samples}
   */
  public static Dataset<Row> draw(Dataset<Row> keyed, Map<String, Long> population, Map<String, Long> allocation,
      long seed, String runId) {
    Dataset<Row> plans = SampleStage.plan(keyed, population, allocation);
    // Items ranked by size, largest first: the certain items of a stratum are always its c_h largest.
    Dataset<Row> sized = keyed.select(col("content_id"), col("stratum"),
            coalesce(col("views"), lit(0L)).cast("double").plus(1.0).as("_x"))
        .join(broadcast(plans), "stratum")
        .withColumn("_size_rank", row_number().over(Window.partitionBy("stratum").orderBy(col("_x").desc(), col("content_id"))))
        .persist();
    try {
      Map<String, Long> certain = new HashMap<>();
      Map<String, Double> freeSize = new HashMap<>();
      for (int round = 0; round < CERTAINTY_ROUNDS; round++) {
        Dataset<Row> state = sized.join(broadcast(frame(keyed, allocation.keySet(), certain, Map.of())), "stratum");
        freeSize.clear();
        for (Row r : state.filter(col("_size_rank").gt(col("_c")))
            .groupBy("stratum").agg(sum("_x").as("free_x")).collectAsList()) { // one row per stratum
          freeSize.put(r.getString(0), r.getDouble(1));
        }
        List<Row> crossing = sized.join(broadcast(frame(keyed, allocation.keySet(), certain, freeSize)), "stratum")
            .filter(col("_size_rank").gt(col("_c"))
                .and(col("_x").multiply(col("stratum_sample_size").minus(col("_c"))).geq(col("_free_x"))))
            .groupBy("stratum").agg(count(lit(1)).as("crossing")).collectAsList(); // one row per stratum
        if (crossing.isEmpty()) {
          break;
        }
        crossing.forEach(r -> certain.merge(r.getString(0), r.getLong(1), Long::sum));
      }
      Column c = col("_c");
      Column lambda = when(col("stratum_sample_size").geq(col("stratum_population")).or(col("_size_rank").leq(c)), lit(1.0))
          .otherwise(least(lit(1.0),
              col("_x").multiply(col("stratum_sample_size").minus(c)).divide(col("_free_x"))));
      Dataset<Row> candidates = sized.join(broadcast(frame(keyed, allocation.keySet(), certain, freeSize)), "stratum")
          .withColumn("_lambda", lambda);
      return select(candidates, seed, runId).localCheckpoint(true);
    } finally {
      sized.unpersist();
    }
  }

  /** stratum, _c (certain items so far), _free_x (size of the others; NaN before it is known). */
  private static Dataset<Row> frame(Dataset<Row> keyed, java.util.Set<String> strata, Map<String, Long> certain,
      Map<String, Double> freeSize) {
    List<Row> rows = new ArrayList<>();
    for (String k : strata) {
      rows.add(RowFactory.create(k, certain.getOrDefault(k, 0L), freeSize.getOrDefault(k, Double.NaN)));
    }
    StructType schema = new StructType().add("stratum", DataTypes.StringType)
        .add("_c", DataTypes.LongType).add("_free_x", DataTypes.DoubleType);
    return keyed.sparkSession().createDataFrame(rows, schema);
  }

  private static Dataset<Row> select(Dataset<Row> candidates, long seed, String runId) {
    // U in (0, 1) from the seeded hash; the Pareto key puts certain items (λ = 1) first.
    Column u = pmod(xxhash64(lit(seed), col("content_id")), lit(1L << 52)).cast("double").plus(0.5).divide((double) (1L << 52));
    Column key = when(col("_lambda").geq(1.0), lit(-1.0))
        .otherwise(u.divide(lit(1.0).minus(u)).divide(col("_lambda").divide(lit(1.0).minus(col("_lambda")))));
    return candidates
        .withColumn("_rank", row_number().over(Window.partitionBy("stratum").orderBy(key, col("content_id"))))
        .filter(col("_rank").leq(col("stratum_sample_size")))
        .select(
            lit(runId).as("run_id"),
            col("content_id"),
            col("stratum"),
            col("_lambda").as("inclusion_probability"),
            lit(1.0).divide(col("_lambda")).as("weight"),
            col("stratum_population"),
            col("stratum_sample_size"));
  }
}
