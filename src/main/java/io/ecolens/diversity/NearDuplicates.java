package io.ecolens.diversity;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.struct;
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
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * Share of items that have a near-duplicate: another item whose set of word 3-grams has a Jaccard
 * similarity above the threshold. Spark ML's {@link MinHashLSH} hashes the 3-gram sets; pairs that
 * share a hash value are candidates, and a candidate counts when its exact Jaccard distance is below
 * the threshold (the pairs {@code approxSimilarityJoin} returns).
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
   * the texts are grouped by (hash table, MinHash value), and the pairs within each bucket are
   * checked there, in one pass, instead of materialising and de-duplicating every candidate pair
   * (millions on a templated corpus, where most of them are far apart). A pair found in several
   * buckets is checked in each; only ids leave a bucket, so the output is small.
   */
  static Dataset<Row> nearIds(Dataset<Row> hashed, double maxDistance) {
    Dataset<Row> buckets = hashed
        .select(col("id"), col("features"), posexplode(col("hashes")).as(new String[] {"table", "hash"}))
        .groupBy(col("table"), vector_to_array(col("hash"), "float64").getItem(0).as("value"))
        .agg(collect_list(struct(col("id"), col("features"))).as("members"))
        .filter(size(col("members")).gt(1));
    FlatMapFunction<Row, Long> near = bucket -> nearInBucket(bucket.getList(2), maxDistance).iterator();
    return buckets.flatMap(near, Encoders.LONG()).toDF("id").distinct();
  }

  /** Ids of the members of one bucket that are within {@code maxDistance} of another member. */
  private static List<Long> nearInBucket(List<Row> members, double maxDistance) {
    int n = members.size();
    long[] ids = new long[n];
    int[][] grams = new int[n][];
    for (int i = 0; i < n; i++) {
      ids[i] = members.get(i).getLong(0);
      grams[i] = members.get(i).<Vector>getAs(1).toSparse().indices();
    }
    boolean[] near = new boolean[n];
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (near[i] && near[j] || lengthBound(grams[i].length, grams[j].length) >= maxDistance) {
          continue;
        }
        if (jaccardDistance(grams[i], grams[j]) < maxDistance) {
          near[i] = true;
          near[j] = true;
        }
      }
    }
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (near[i]) {
        out.add(ids[i]);
      }
    }
    return out;
  }

  /**
   * A lower bound of the Jaccard distance of two sets of these sizes (the shared part is at most the
   * smaller set, the union at least the larger one), computed as {@link #jaccardDistance} would for
   * a subset, so a pair it rules out is one that check would also rule out.
   */
  private static double lengthBound(int a, int b) {
    return 1 - (double) Math.min(a, b) / Math.max(a, b);
  }

  /** Jaccard distance of two ascending index sets (the non-zero indices of two vectors), as MinHashLSH defines it. */
  static double jaccardDistance(int[] a, int[] b) {
    int i = 0;
    int j = 0;
    int shared = 0;
    while (i < a.length && j < b.length) {
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
  }

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
        .withColumn("short", size(col("grams")).equalTo(0))
        .cache();
    Dataset<Row> features = new HashingTF().setBinary(true).setNumFeatures(1 << 20)
        .setInputCol("grams").setOutputCol("features")
        .transform(grams.filter(col("short").equalTo(false)))
        .withColumn("id", org.apache.spark.sql.functions.monotonically_increasing_id())
        .select("id", "items", "features")
        .cache();
    try {
      Row counts = grams.agg(sum(when(col("short"), col("items")).otherwise(0L)),
          sum(when(col("short"), 0L).otherwise(1L)), sum(when(col("short"), 0L).otherwise(col("items")))).first();
      long shortItems = counts.isNullAt(0) ? 0 : counts.getLong(0);
      if (counts.isNullAt(1) || counts.getLong(1) < 2) { // one distinct text or none: no pair to look for
        long total = counts.isNullAt(2) ? 0 : counts.getLong(2);
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
      grams.unpersist(false);
    }
  }
}
