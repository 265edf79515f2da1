package io.ecolens.train;

import io.ecolens.config.EmbeddingModel;
import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.embedding.EmbeddingStore;
import io.ecolens.embedding.Embedder;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.SparkTest;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * train's embeddings come from the store, yet the fits see the same rows in the same partitions and
 * order, with the same vectors, as when train embedded each item itself; a second train embeds nothing.
 */
@Tag("slow")
class TrainEmbeddingsTest extends SparkTest {
  /** Six items in two partitions; i1 and i2 are the same text under one content_hash, i3 has no hashtags. */
  private static Dataset<ScoringItem> items() {
    List<ScoringItem> items = List.of(
        new ScoringItem("i1", "h1", "Win a free phone", "click the link now", null, List.of("giveaway")),
        new ScoringItem("i2", "h1", "Win a free phone", "click the link now", null, List.of("giveaway")),
        new ScoringItem("i3", "h3", "Morning run", "five miles by the river", "nice weather", null),
        new ScoringItem("i4", "h4", "They do not belong here", null, "go back where you came from", List.of("rant")),
        new ScoringItem("i5", "h5", "Recipe", "bake the bread for forty minutes", null, List.of("food", "baking")),
        new ScoringItem("i6", "h6", null, null, "a cat sleeps on the warm mat", List.of()));
    return spark.createDataset(items, Encoders.bean(ScoringItem.class)).repartition(2);
  }

  /** content_id and vector of each row, per partition, as train embedded them before the store. */
  private static List<List<String>> direct(Dataset<ScoringItem> items) {
    MapPartitionsFunction<ScoringItem, String> embed = partition -> {
      List<ScoringItem> batch = new ArrayList<>();
      partition.forEachRemaining(batch::add);
      float[][] vectors = Embedder.shared(EmbeddingModel.MINILM, 256, 1).embed(batch.stream().map(ScoringItem::text).toList()).vectors();
      List<String> out = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        out.add(batch.get(i).getContentId() + " " + java.util.Arrays.toString(vectors[i]));
      }
      return out.iterator();
    };
    return items.mapPartitions(embed, Encoders.STRING()).toJavaRDD().glom().collect();
  }

  private static List<List<String>> stored(Dataset<Row> embedded) {
    return embedded.toJavaRDD().map(r -> {
      List<Float> v = r.getList(1);
      float[] f = new float[v.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = v.get(i);
      }
      return r.getString(0) + " " + java.util.Arrays.toString(f);
    }).glom().collect();
  }

  @Test
  void vectorsFromTheStoreReachTheFitsAsBeforeAndAreEmbeddedOnce() {
    TableStore tables = new TableStore(spark, "train_embeddings_test");
    tables.ensureAll();
    Dataset<ScoringItem> items = items();
    List<List<String>> expected = direct(items);

    long before = Embedder.embeddedTexts();
    List<List<String>> first = stored(TrainStage.embed(items, new EmbeddingStore(tables, EmbeddingModel.MINILM, 256, 1)));
    assertThat(Embedder.embeddedTexts() - before).isEqualTo(5); // i1 and i2 share one text
    long between = Embedder.embeddedTexts();
    List<List<String>> second = stored(TrainStage.embed(items, new EmbeddingStore(tables, EmbeddingModel.MINILM, 256, 1)));
    assertThat(Embedder.embeddedTexts()).isEqualTo(between);

    assertThat(expected).hasSize(2);
    assertThat(first).isEqualTo(expected);
    assertThat(second).isEqualTo(expected);
  }
}
