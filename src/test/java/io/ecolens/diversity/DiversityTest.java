package io.ecolens.diversity;

import io.ecolens.config.EmbeddingModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.embedding.EmbeddingStore;
import io.ecolens.embedding.Embedder;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

@Tag("slow")
class DiversityTest extends SparkTest {
  private static final StructType ITEMS = new StructType()
      .add("slice", DataTypes.StringType)
      .add("value", DataTypes.StringType)
      .add("views", DataTypes.LongType)
      .add("expected", DataTypes.BooleanType)
      .add("expected_size", DataTypes.LongType);

  /** Items of one slice "s": {@code count} items of each value, each with {@code views}. */
  private static List<Row> items(String value, int count, long views, List<String> expected) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      rows.add(RowFactory.create("s", value, views, expected == null ? null : expected.contains(value),
          expected == null ? null : (long) expected.size()));
    }
    return rows;
  }

  private static Map<String, Row> measures(List<Row> rows, double topShare) {
    Map<String, Row> byMetric = new HashMap<>();
    Distribution.measures(spark.createDataFrame(rows, ITEMS), List.of("slice"), 5, topShare).collectAsList()
        .forEach(r -> byMetric.put(r.getAs("metric"), r));
    return byMetric;
  }

  private static double value(Map<String, Row> m, String metric) {
    assertThat(m).as(metric).containsKey(metric);
    return m.get(metric).<Double>getAs("value");
  }

  @Test
  void uniformDistributionHasFullEntropyNoInequalityAndHhiOneOverK() {
    List<Row> rows = new ArrayList<>();
    for (String v : List.of("a", "b", "c", "d")) {
      rows.addAll(items(v, 3, 1, null));
    }
    Map<String, Row> m = measures(rows, 0.25);
    assertThat(value(m, "entropy")).isCloseTo(2.0, within(1e-12)); // log2 4
    assertThat(value(m, "normalized_entropy")).isCloseTo(1.0, within(1e-12));
    assertThat(value(m, "gini")).isCloseTo(0.0, within(1e-12));
    assertThat(value(m, "hhi")).isCloseTo(0.25, within(1e-12));
    assertThat(value(m, "top1_share")).isCloseTo(0.25, within(1e-12));
    assertThat(value(m, "top5_share")).isCloseTo(1.0, within(1e-12));
    assertThat(value(m, "distinct")).isEqualTo(4.0);
    assertThat(m.get("entropy").<Long>getAs("n")).isEqualTo(12L);
    assertThat(m).doesNotContainKey("coverage"); // no expected set given
  }

  @Test
  void oneValueHasZeroEntropyAndHhiOne() {
    Map<String, Row> m = measures(items("only", 7, 1, null), 0.01);
    assertThat(value(m, "entropy")).isCloseTo(0.0, within(1e-12));
    assertThat(value(m, "normalized_entropy")).isEqualTo(0.0);
    assertThat(value(m, "hhi")).isCloseTo(1.0, within(1e-12));
    assertThat(value(m, "gini")).isCloseTo(0.0, within(1e-12));
    assertThat(value(m, "top1_share")).isEqualTo(1.0);
  }

  /**
   * Counts a=6, b=3, c=1 (N = 10); expected set {a, b, c, d}. Views: a 10 each (60), b none, c 100
   * (one item), so c leads by views and a by items.
   */
  @Test
  void skewedDistributionMatchesHandComputedFigures() {
    List<String> expected = List.of("a", "b", "c", "d");
    List<Row> rows = new ArrayList<>(items("a", 6, 10, expected));
    rows.addAll(items("b", 3, 0, expected));
    rows.addAll(items("c", 1, 100, expected));
    Map<String, Row> m = measures(rows, 0.01);
    // H = -(.6 log2 .6 + .3 log2 .3 + .1 log2 .1) = 0.442179 + 0.521090 + 0.332193
    assertThat(value(m, "entropy")).isCloseTo(1.2954618442, within(1e-9));
    assertThat(value(m, "normalized_entropy")).isCloseTo(1.2954618442 / (Math.log(3) / Math.log(2)), within(1e-9));
    // ascending 1, 3, 6: Σ (2i - k - 1) x_i / (k N) = (-2·1 + 0·3 + 2·6) / 30
    assertThat(value(m, "gini")).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(value(m, "hhi")).isCloseTo(0.46, within(1e-12));
    assertThat(value(m, "top1_share")).isCloseTo(0.6, within(1e-12));
    assertThat(value(m, "coverage")).isCloseTo(0.75, within(1e-12));
    assertThat(m.get("coverage").<Long>getAs("n")).isEqualTo(4L);
    // top 1% of 3 values = 1 value: a by items (6/10), c by views (100/160)
    assertThat(value(m, "top_share_items")).isCloseTo(0.6, within(1e-12));
    assertThat(value(m, "top_share_views")).isCloseTo(0.625, within(1e-12));
  }

  @Test
  void missingValueColumnIsNamed() {
    Dataset<Row> noValue = spark.createDataFrame(items("a", 1, 1, null), ITEMS).drop("value");
    assertThatThrownBy(() -> Distribution.measures(noValue, List.of("slice"), 5, 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lacks column(s) [value]");
  }

  private static SemanticDiversity.Result semantic(List<Vector> vectors) {
    return SemanticDiversity.of(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(vectors, 2));
  }

  @Test
  void identicalEmbeddingsHaveVendiOneAndNoDistance() {
    SemanticDiversity.Result r = semantic(List.of(Vectors.dense(1, 2, 2), Vectors.dense(1, 2, 2),
        Vectors.dense(2, 4, 4), Vectors.dense(0.5, 1, 1)));
    assertThat(r.items()).isEqualTo(4);
    assertThat(r.vendiScore()).isCloseTo(1.0, within(1e-9));
    assertThat(r.meanCosineDistance()).isCloseTo(0.0, within(1e-12));
  }

  @Test
  void orthogonalEmbeddingsHaveVendiN() {
    SemanticDiversity.Result r = semantic(List.of(Vectors.dense(1, 0, 0, 0), Vectors.dense(0, 3, 0, 0),
        Vectors.dense(0, 0, 1, 0)));
    assertThat(r.vendiScore()).isCloseTo(3.0, within(1e-9));
    assertThat(r.meanCosineDistance()).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void twoVectorsAtSixtyDegreesMatchTheEigenvaluesByHand() {
    // K = [[1, .5], [.5, 1]]: eigenvalues 1.5 and .5, over n: .75 and .25;
    // Vendi = exp(-(.75 ln .75 + .25 ln .25)) = exp(0.5623351446) = 1.7547654
    SemanticDiversity.Result r = semantic(List.of(Vectors.dense(1, 0), Vectors.dense(0.5, Math.sqrt(3) / 2),
        Vectors.dense(0, 0)));
    assertThat(r.items()).isEqualTo(2); // the zero vector is left out
    assertThat(r.vendiScore()).isCloseTo(Math.exp(0.5623351446), within(1e-9));
    assertThat(r.meanCosineDistance()).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void miniLmEmbeddingsOfTheSameTextAreOneItemAndOfDifferentTextsMore() {
    StructType schema = new StructType().add("content_id", DataTypes.StringType).add("text", DataTypes.StringType);
    Dataset<Row> same = spark.createDataFrame(List.of(
        RowFactory.create("a", "a cat sleeps on the warm mat"),
        RowFactory.create("b", "a cat sleeps on the warm mat"),
        RowFactory.create("c", "a cat sleeps on the warm mat"),
        RowFactory.create("d", "   ")), schema);
    SemanticDiversity.Result r = SemanticDiversity.of(embeddedInPlace(same, 10, 1));
    assertThat(r.items()).isEqualTo(3); // the blank text is not embedded
    assertThat(r.vendiScore()).isCloseTo(1.0, within(1e-4));
    Dataset<Row> different = spark.createDataFrame(List.of(
        RowFactory.create("a", "a cat sleeps on the warm mat"),
        RowFactory.create("b", "quarterly earnings beat analyst expectations"),
        RowFactory.create("c", "how to repair a bicycle tyre at home")), schema);
    SemanticDiversity.Result d = SemanticDiversity.of(embeddedInPlace(different, 2, 1));
    assertThat(d.items()).isEqualTo(2); // bounded to two items
    assertThat(d.vendiScore()).isGreaterThan(1.5).isLessThanOrEqualTo(2.0);
    assertThat(d.meanCosineDistance()).isGreaterThan(0.5);
  }

  @Test
  void semanticFiguresFromTheEmbeddingStoreEqualThoseEmbeddedDirectlyAndEmbedEachTextOnce() {
    StructType schema = new StructType().add("content_id", DataTypes.StringType)
        .add("content_hash", DataTypes.StringType).add("text", DataTypes.StringType);
    // five texts, one blank (not embedded), a and b the same text; the cap of 4 leaves one out
    Dataset<Row> texts = spark.createDataFrame(List.of(
        RowFactory.create("a", "h1", "a cat sleeps on the warm mat"),
        RowFactory.create("b", "h1", "a cat sleeps on the warm mat"),
        RowFactory.create("c", "h3", "quarterly earnings beat analyst expectations"),
        RowFactory.create("d", "h4", "how to repair a bicycle tyre at home"),
        RowFactory.create("e", "h5", "   "),
        RowFactory.create("f", "h6", "the election results were announced tonight")), schema);
    TableStore tables = new TableStore(spark, "diversity_embeddings_test");
    tables.ensureAll();
    SemanticDiversity.Result direct = SemanticDiversity.of(embeddedInPlace(texts, 4, 7));

    long before = Embedder.embeddedTexts();
    SemanticDiversity.Result first = SemanticDiversity.of(SemanticDiversity.embed(texts, 4, 7,
        new EmbeddingStore(tables, EmbeddingModel.MINILM, 256, 1)));
    long between = Embedder.embeddedTexts();
    SemanticDiversity.Result second = SemanticDiversity.of(SemanticDiversity.embed(texts, 4, 7,
        new EmbeddingStore(tables, EmbeddingModel.MINILM, 256, 1)));

    assertThat(between - before).isBetween(3L, 4L); // the drawn four, a and b counted once when both are drawn
    assertThat(Embedder.embeddedTexts()).isEqualTo(between);
    assertThat(direct.items()).isEqualTo(4);
    assertThat(first).isEqualTo(direct);
    assertThat(second).isEqualTo(direct);
  }

  @Test
  void minHashLshFindsExactAndNearDuplicates() {
    StructType schema = new StructType().add("content_id", DataTypes.StringType).add("text", DataTypes.StringType);
    String river = "the quick brown fox jumps over the lazy dog near the river bank today";
    Dataset<Row> items = spark.createDataFrame(List.of(
        RowFactory.create("a1", river),
        RowFactory.create("a2", "The quick brown fox  jumps over the lazy dog near the river bank today"),
        // one word changed: 10 of 12 distinct 3-grams shared, Jaccard 0.83
        RowFactory.create("a3", river.replace("today", "tonight")),
        RowFactory.create("b", "quarterly earnings beat analyst expectations for the third time this year"),
        RowFactory.create("c", "cats sleep most of the day and hunt at night when it is quiet"),
        RowFactory.create("s", "hi there")), schema);
    NearDuplicates.Result r = NearDuplicates.of(items, 0.8, 100, 7);
    assertThat(r.items()).isEqualTo(5);
    assertThat(r.tooShort()).isEqualTo(1);
    assertThat(r.duplicates()).isEqualTo(3);
    assertThat(r.rate()).isCloseTo(0.6, within(1e-12));
    // a stricter threshold keeps the exact pair only
    assertThat(NearDuplicates.of(items, 0.9, 100, 7).duplicates()).isEqualTo(2);
  }

  @Test
  void theLeanCandidateJoinFindsWhatApproxSimilarityJoinFinds() {
    // templated texts: many candidate pairs, some near (one word of 14 changed), most not
    List<Row> rows = new ArrayList<>();
    String[] subjects = {"the quick brown fox", "a sleepy old cat", "my neighbour's dog", "the river otter"};
    String[] verbs = {"jumps over", "walks around", "sleeps beside", "looks at", "runs past"};
    String[] places = {"the lazy dog near the river bank", "the red barn on the hill", "a quiet pond in the park"};
    for (int i = 0; i < 240; i++) {
      rows.add(RowFactory.create((long) i, subjects[i % 4] + " " + verbs[(i / 4) % 5] + " " + places[(i / 20) % 3]
          + " early " + (i % 7 == 0 ? "today" : "on day " + (i / 60))));
    }
    for (long i = 240; i < 280; i++) { // unlike anything else
      StringBuilder words = new StringBuilder();
      for (int k = 0; k < 8; k++) {
        words.append(" w").append(i * 31 + k);
      }
      rows.add(RowFactory.create(i, words.toString().trim()));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType);
    Dataset<Row> texts = spark.createDataFrame(rows, schema);
    Dataset<Row> words = new org.apache.spark.ml.feature.RegexTokenizer().setInputCol("text").setOutputCol("words")
        .setPattern("\\W+").transform(texts);
    Dataset<Row> grams = new org.apache.spark.ml.feature.NGram().setN(3).setInputCol("words").setOutputCol("grams")
        .transform(words);
    Dataset<Row> features = new org.apache.spark.ml.feature.HashingTF().setBinary(true).setNumFeatures(1 << 20)
        .setInputCol("grams").setOutputCol("features").transform(grams).select("id", "features");
    org.apache.spark.ml.feature.MinHashLSHModel model = new org.apache.spark.ml.feature.MinHashLSH()
        .setNumHashTables(5).setSeed(7).setInputCol("features").setOutputCol("hashes").fit(features);
    Dataset<Row> hashed = model.transform(features).cache();
    for (double maxDistance : new double[] {0.2, 0.5}) {
      Dataset<Row> pairs = model.approxSimilarityJoin(hashed, hashed, maxDistance, "distance").toDF()
          .filter(functions.col("datasetA.id").lt(functions.col("datasetB.id")));
      List<Long> expected = pairs.select(functions.col("datasetA.id").as("id"))
          .union(pairs.select(functions.col("datasetB.id").as("id"))).distinct()
          .orderBy("id").as(Encoders.LONG()).collectAsList();
      List<Long> actual = NearDuplicates.nearIds(hashed, maxDistance).orderBy("id").as(Encoders.LONG()).collectAsList();
      assertThat(expected).isNotEmpty().hasSizeLessThan(280);
      assertThat(actual).as("max distance %s", maxDistance).isEqualTo(expected);
    }
    hashed.unpersist();
  }

  /**
   * The semantic draw's texts embedded where they are, without the embeddings table (how semantic
   * diversity embedded before the table existed): the reference the store-backed figures must equal.
   */
  private static JavaRDD<Vector> embeddedInPlace(Dataset<Row> texts, int maxItems, long seed) {
    return SemanticDiversity.drawn(texts, maxItems, seed).select("text").as(Encoders.STRING()).toJavaRDD()
        .mapPartitions(partition -> {
          List<String> batch = new ArrayList<>();
          partition.forEachRemaining(batch::add);
          List<Vector> out = new ArrayList<>();
          for (int from = 0; from < batch.size(); from += 64) {
            for (float[] v : Embedder.shared(EmbeddingModel.MINILM, 256, 1).embed(batch.subList(from, Math.min(from + 64, batch.size())))
                .vectors()) {
              double[] d = new double[v.length];
              for (int k = 0; k < v.length; k++) {
                d[k] = v[k];
              }
              out.add(Vectors.dense(d));
            }
          }
          return out.iterator();
        });
  }
}
