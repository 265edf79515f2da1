package io.ecolens.sample;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.EcolensConfig.BucketSettings;
import io.ecolens.testing.SparkTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class SampleDesignTest extends SparkTest {
  /** 200 items, creators c0..c9, views 1..200, except item 0 with 1,000,000 views. */
  private static Dataset<Row> content() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      rows.add(RowFactory.create("i" + i, "c" + (i % 10), i % 2 == 0 ? "video" : "photo", i == 0 ? 1_000_000L : (long) i));
    }
    return spark.createDataFrame(rows, new StructType().add("content_id", DataTypes.StringType)
        .add("creator_id", DataTypes.StringType).add("format", DataTypes.StringType).add("views", DataTypes.LongType));
  }

  @Test
  void bucketsCutViewsAndCreatorTotals() {
    Map<String, BucketSettings> buckets = Map.of(
        "view_bucket", new BucketSettings("views", null, List.of(10.0, 100.0)),
        "creator_tier", new BucketSettings("views", "creator_id", List.of(5000.0)));
    Map<String, Row> byId = new TreeMap<>();
    SampleStage.withBuckets(content(), buckets).collectAsList().forEach(r -> byId.put(r.getAs("content_id"), r));
    assertThat((String) byId.get("i5").getAs("view_bucket")).isEqualTo("<10");
    assertThat((String) byId.get("i50").getAs("view_bucket")).isEqualTo("[10,100)");
    assertThat((String) byId.get("i150").getAs("view_bucket")).isEqualTo(">=100");
    // creator c0 holds item 0 (1M views): top tier; c1 holds 1, 11, ..., 191: 1,920 views
    assertThat((String) byId.get("i10").getAs("creator_tier")).isEqualTo(">=5000");
    assertThat((String) byId.get("i1").getAs("creator_tier")).isEqualTo("<5000");
  }

  @Test
  void viewWeightedDrawHasExactSizesAndTakesTheHugeItemWithCertainty() {
    Dataset<Row> keyed = SampleStage.withStratum(content(), List.of("format"));
    Map<String, Long> population = Map.of("video", 100L, "photo", 100L);
    Map<String, Long> allocation = Map.of("video", 10L, "photo", 10L);
    Dataset<Row> sample = ViewWeightedDraw.draw(keyed, population, allocation, 7, "r");
    assertThat(sample.filter(col("stratum").equalTo("video")).count()).isEqualTo(10);
    assertThat(sample.filter(col("stratum").equalTo("photo")).count()).isEqualTo(10);
    Row huge = sample.filter(col("content_id").equalTo("i0")).first();
    assertThat((Double) huge.getAs("inclusion_probability")).isEqualTo(1.0);
    // the others: λ = (10 − 1) (views + 1) / Σ(views + 1 of the other 99 video items) < 1
    assertThat(sample.filter(col("inclusion_probability").gt(1.0).or(col("inclusion_probability").leq(0))).count()).isZero();
    List<Row> again = ViewWeightedDraw.draw(keyed, population, allocation, 7, "r").orderBy("content_id").collectAsList();
    assertThat(again).isEqualTo(sample.orderBy("content_id").collectAsList()); // same seed, same sample
  }

  @Test
  void equalNeymanAndFixedAllocations() {
    Map<String, Long> population = new TreeMap<>(Map.of("a", 1000L, "b", 100L, "c", 5L));
    // equal: 60 / 3 = 20 each, but c holds 5 -> 5, the other 55 shared: 27.5 each -> 28 (a, by name) + 27
    assertThat(Allocation.equal(population, 60, 0)).containsEntry("a", 28L).containsEntry("b", 27L).containsEntry("c", 5L);
    // neyman with priors a .5, b .5, c .5: weights N_h · .5 -> proportional: 1105 items, 100 -> 90.5, 9.05, .45
    Map<String, Long> ney = Allocation.neyman(population, Map.of("a", 0.5, "b", 0.02), 0.5, 100, 1);
    // weights a 1000·.5 = 500, b 100·.14 = 14, c floor 1 (share .02·... < 1): 99 left over 514 -> a 96.3, b 2.7
    assertThat(ney).containsEntry("c", 1L).containsEntry("a", 96L).containsEntry("b", 3L);
    assertThat(Allocation.fixed(population, Map.of("a", 7L, "c", 9L), 2)).containsEntry("a", 7L).containsEntry("b", 2L).containsEntry("c", 5L);
  }
}
