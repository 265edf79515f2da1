package io.ecolens.embedding;

import io.ecolens.config.EmbeddingModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.EcolensException;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** Vectors are computed once per key, kept in {@code embeddings}, and read back unchanged. */
@Tag("slow")
class EmbeddingStoreTest extends SparkTest {
  private static final StructType TEXTS = new StructType()
      .add("content_id", DataTypes.StringType)
      .add("content_hash", DataTypes.StringType)
      .add("text", DataTypes.StringType);
  private static final String CAT = "a cat sleeps on the warm mat";
  private static TableStore tables;

  @BeforeAll
  static void store() {
    tables = new TableStore(spark, "embedding_store_test");
    tables.ensureAll();
  }

  /**
   * Five rows, four keys: a and b are one item twice (same hash, same text); c and d share a
   * content_hash but differ in case (content_hash is taken over lower-cased text), so they are two
   * keys; e has no content_hash and is keyed by its text alone.
   */
  private static Dataset<Row> texts() {
    return spark.createDataFrame(List.of(
        RowFactory.create("a", "h1", CAT),
        RowFactory.create("b", "h1", CAT),
        RowFactory.create("c", "h2", "Quarterly earnings beat analyst expectations"),
        RowFactory.create("d", "h2", "QUARTERLY EARNINGS BEAT ANALYST EXPECTATIONS"),
        RowFactory.create("e", null, "how to repair a bicycle tyre at home")), TEXTS).repartition(2);
  }

  private static Map<String, float[]> byTextHash(Dataset<Row> vectors) {
    Map<String, float[]> out = new HashMap<>();
    for (Row r : vectors.collectAsList()) {
      List<Float> v = r.getList(r.fieldIndex(EmbeddingStore.VECTOR));
      float[] f = new float[v.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = v.get(i);
      }
      out.put(r.getAs(EmbeddingStore.CONTENT_HASH) + "/" + r.getAs(EmbeddingStore.TEXT_HASH), f);
    }
    return out;
  }

  @Test
  void aSecondCallComputesNothingAndReturnsTheSameVectorsAsMiniLmItself() {
    EmbeddingStore store = new EmbeddingStore(tables, EmbeddingModel.MINILM, 256, 1);
    long before = Embedder.embeddedTexts();
    EmbeddingStore.Embedded first = store.embed(texts());
    Map<String, float[]> firstVectors = byTextHash(first.vectors());
    assertThat(first.computed()).isEqualTo(4);
    assertThat(Embedder.embeddedTexts() - before).isEqualTo(4);
    assertThat(firstVectors).hasSize(4);

    long between = Embedder.embeddedTexts();
    EmbeddingStore.Embedded second = new EmbeddingStore(tables, EmbeddingModel.MINILM, 256, 1).embed(texts());
    Map<String, float[]> secondVectors = byTextHash(second.vectors());
    assertThat(second.computed()).isZero();
    assertThat(Embedder.embeddedTexts()).isEqualTo(between);
    assertThat(secondVectors.keySet()).isEqualTo(firstVectors.keySet());
    firstVectors.forEach((key, v) -> assertThat(secondVectors.get(key)).as(key).containsExactly(v));

    // what a consumer embedding the text itself gets, bit for bit
    List<Row> keyed = EmbeddingStore.keyed(texts()).orderBy("content_id").collectAsList();
    Embedder.Batch direct = Embedder.shared(EmbeddingModel.MINILM, 256, 1).embed(keyed.stream().map(r -> r.<String>getAs("text")).toList());
    for (int i = 0; i < keyed.size(); i++) {
      Row r = keyed.get(i);
      String key = r.getAs(EmbeddingStore.CONTENT_HASH) + "/" + r.getAs(EmbeddingStore.TEXT_HASH);
      assertThat(firstVectors.get(key)).as(key).containsExactly(direct.vectors()[i]);
    }

    Dataset<Row> table = tables.read(Table.EMBEDDINGS);
    assertThat(table.count()).isEqualTo(4);
    assertThat(table.select("model").distinct().collectAsList())
        .extracting(r -> r.getString(0)).containsExactly("all-minilm-l6-v2-q:max-tokens=256:windows=16");
    assertThat(table.select("dimension").distinct().collectAsList())
        .extracting(r -> r.getInt(0)).containsExactly(EmbeddingModel.DIMENSIONS);
    assertThat(table.filter("content_hash = ''").count()).isEqualTo(1);
  }

  @Test
  void theModelIdNamesTheWindow() {
    assertThat(new EmbeddingStore(tables, EmbeddingModel.MINILM, 128, 1).model()).isEqualTo("all-minilm-l6-v2-q:max-tokens=128:windows=16");
  }

  @Test
  void textsWithoutTheKeyColumnsAreRefusedNamingThem() {
    Dataset<Row> noHash = spark.createDataFrame(List.of(RowFactory.create("a", CAT)),
        new StructType().add("content_id", DataTypes.StringType).add("text", DataTypes.StringType));
    assertThatThrownBy(() -> EmbeddingStore.keyed(noHash))
        .isInstanceOf(EcolensException.class)
        .hasMessage("The input to embed lacks required column(s) content_hash. Select the item's content_hash and"
            + " its text.");
  }
}
