package io.ecolens.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.testing.SparkTest;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Items split into pieces: each item in exactly one piece, each piece in its own task partitions. */
class PiecesTest extends SparkTest {
  /** 1,000 items with the score stage's first input columns; only contentId matters to the split. */
  private static Dataset<Row> items() {
    StructType schema = new StructType().add("contentId", DataTypes.StringType).add("contentHash", DataTypes.StringType)
        .add("title", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      rows.add(RowFactory.create("c" + i, "h" + i, i % 7 == 0 ? null : "title " + i));
    }
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  @Test
  void everyItemIsInExactlyOnePieceWithItsColumnsUnchanged() {
    Dataset<Row> items = items();
    Pieces pieces = Pieces.of(items, 4, 2);
    Dataset<Row> all = null;
    for (long p = 0; p < 4; p++) {
      Dataset<Row> piece = pieces.piece(p);
      assertThat(piece.rdd().getNumPartitions()).isEqualTo(2);
      assertThat(piece.count()).as("piece %d is about a quarter", p).isBetween(150L, 350L);
      all = all == null ? piece : all.unionAll(piece);
    }
    assertThat(all.columns()).containsExactly(items.columns());
    assertThat(all.count()).isEqualTo(1000);
    assertSameRows(items, all);
  }

  @Test
  void aPieceIsTheSameItemsEveryTimeItIsRead() {
    Pieces pieces = Pieces.of(items(), 3, 2);
    assertSameRows(pieces.piece(1), pieces.piece(1));
    assertThat(pieces.piece(0).intersect(pieces.piece(2)).count()).isZero();
  }
}
