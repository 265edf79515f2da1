package io.ecolens.diversity;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.ml.feature.NGram;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.Row;

/**
 * Share of items that have a near-duplicate: another item whose set of word 3-grams has a Jaccard
 * similarity above the threshold. Spark ML's {@link MinHashLSH} finds the candidate pairs
 * ({@code approxSimilarityJoin}) and checks their exact Jaccard distance.
 *
 * <p>Items with the same normalised text are grouped first: they are duplicates of each other
 * without any hashing, and LSH then runs over distinct texts only, which keeps templated corpora
 * (thousands of items sharing one text) from exploding the candidate pairs. Texts with fewer than
 * three words have no 3-gram; they are counted in {@link Result#tooShort()} and not in the rate.
 */
public final class NearDuplicates {
  /** Input columns. */
  public static final String ID = "content_id";
  public static final String TEXT = "text";

  private NearDuplicates() {}

  /**
   * @param items items with at least three words
   * @param duplicates those that share their text with another item or have a near-duplicate
   * @param tooShort items left out because their text has fewer than three words
   */
  public record Result(long items, long duplicates, long tooShort) {
    /** duplicates / items; null with no item. */
    public Double rate() {
      return items == 0 ? null : (double) duplicates / items;
    }
  }

  /**
   * Ids of the texts with a near-duplicate: what {@code MinHashLSHModel.approxSimilarityJoin} of the
   * texts with themselves finds (candidate pairs share a MinHash value in some hash table; a pair
   * counts when its exact Jaccard distance is below {@code maxDistance}), computed the lean way:
   * the candidates are joined and de-duplicated as pairs of ids, and each distinct pair's distance
   * is computed once, instead of de-duplicating rows that carry both feature vectors.
   */
  static Dataset<Row> nearIds(Dataset<Row> hashed, double maxDistance) {
    Dataset<Row> buckets = hashed
        .select(col("id"), posexplode(col("hashes")).as(new String[] {"table", "hash"}))
        .select(col("id"), col("table"), vector_to_array(col("hash"), "float64").getItem(0).as("value"));
    Dataset<Row> candidates = buckets.as("a").join(buckets.as("b"), col("a.table").equalTo(col("b.table"))
            .and(col("a.value").equalTo(col("b.value"))).and(col("a.id").lt(col("b.id"))))
        .select(col("a.id").as("a"), col("b.id").as("b"))
        .distinct();
    Dataset<Row> vectors = hashed.select(col("id"), col("features"));
    return candidates
        .join(vectors.as("va"), col("a").equalTo(col("va.id")))
        .join(vectors.as("vb"), col("b").equalTo(col("vb.id")))
        .filter(JACCARD_DISTANCE.apply(col("va.features"), col("vb.features")).lt(maxDistance))
        .select(explode(array(col("a"), col("b"))).as("id"))
        .distinct();
  }

  /** Jaccard distance of the non-zero index sets of two vectors, as MinHashLSH defines it. */
  private static final UserDefinedFunction JACCARD_DISTANCE = udf((UDF2<Vector, Vector, Double>) (x, y) -> {
    int[] a = x.toSparse().indices();
    int[] b = y.toSparse().indices();
    int i = 0;
    int j = 0;
    int shared = 0;
    while (i < a.length && j < b.length) { // indices of a sparse vector are ascending
      if (a[i] == b[j]) {
        shared++;
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
      } else {
        j++;
      }
    }
    double intersection = shared;
    double union = a.length + b.length - intersection;
    return 1 - intersection / union;
  }, DataTypes.DoubleType);

  /**
   * Near-duplicate share among at most {@code maxItems} items (a seeded draw by id hash).
   *
   * @param similarity Jaccard similarity threshold in (0, 1]
   */
  public static Result of(Dataset<Row> items, double similarity, int maxItems, long seed) {
    Dataset<Row> bounded = items.orderBy(hash(col(ID), lit(seed)), col(ID)).limit(maxItems);
    // one row per distinct normalised text, with how many items carry it
    Dataset<Row> texts = bounded
        .select(trim(regexp_replace(lower(col(TEXT)), "\\s+", " ")).as("text"))
        .na().fill("", new String[] {"text"})
        .groupBy("text").agg(count(lit(1)).as("items"));
    Dataset<Row> tokens = new RegexTokenizer().setInputCol("text").setOutputCol("words").setPattern("\\W+")
        .setMinTokenLength(1).transform(texts);
    Dataset<Row> grams = new NGram().setN(3).setInputCol("words").setOutputCol("grams").transform(tokens)
        .withColumn("short", size(col("grams")).equalTo(0));
    Dataset<Row> features = new HashingTF().setBinary(true).setNumFeatures(1 << 20)
        .setInputCol("grams").setOutputCol("features")
        .transform(grams.filter(col("short").equalTo(false)))
        .withColumn("id", org.apache.spark.sql.functions.monotonically_increasing_id())
        .select("id", "items", "features")
        .cache();
    try {
      Row shortRow = grams.agg(sum(when(col("short"), col("items")).otherwise(0L))).first();
      long shortItems = shortRow.isNullAt(0) ? 0 : shortRow.getLong(0);
      Row counts = features.agg(count(lit(1)), sum("items")).first();
      if (counts.getLong(0) < 2) { // one distinct text or none: no pair to look for
        long total = counts.isNullAt(1) ? 0 : counts.getLong(1);
        return new Result(total, total > 1 ? total : 0, shortItems);
      }
      MinHashLSHModel model = new MinHashLSH().setNumHashTables(5).setSeed(seed)
          .setInputCol("features").setOutputCol("hashes").fit(features);
      Dataset<Row> near = nearIds(model.transform(features), 1 - similarity).withColumn("near", lit(true));
      Row totals = features.join(near, features.col("id").equalTo(near.col("id")), "left")
          .agg(sum("items").as("items"),
              sum(when(col("items").gt(1).or(col("near").equalTo(true)), col("items")).otherwise(0L)).as("dups"))
          .first();
      long total = totals.isNullAt(0) ? 0 : totals.getLong(0);
      long dups = totals.isNullAt(1) ? 0 : totals.getLong(1);
      return new Result(total, dups, shortItems);
    } finally {
      features.unpersist(false);
    }
  }
}
