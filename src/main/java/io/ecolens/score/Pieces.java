package io.ecolens.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.Serializable;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;
import scala.runtime.AbstractFunction1;

/**
 * The items to score split, once, into pieces by a hash of content_id, each piece held in
 * {@code tasks} partitions of its own. A piece's job reads only its own partitions: no shuffle,
 * no scan of the other pieces and no table read per piece, so that the job of a piece adds next
 * to nothing to the scoring it runs.
 */
final class Pieces {
  private final SparkSession spark;
  private final StructType schema;
  private final JavaRDD<Tuple2<Integer, Row>> buckets;
  private final int tasks;

  private Pieces(SparkSession spark, StructType schema, JavaRDD<Tuple2<Integer, Row>> buckets, int tasks) {
    this.spark = spark;
    this.schema = schema;
    this.buckets = buckets;
    this.tasks = tasks;
  }

  /** {@code items} (score stage input columns) in {@code pieces} pieces of {@code tasks} partitions each. */
  static Pieces of(Dataset<Row> items, long pieces, int tasks) {
    if (pieces < 1 || pieces * tasks > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("pieces must be at least 1 and pieces x tasks an int, cannot be: "
          + pieces + " x " + tasks);
    }
    Column piece = pmod(xxhash64(col("contentId")), lit(pieces));
    Column slot = pmod(xxhash64(col("contentId"), lit("task")), lit(tasks));
    Column bucket = piece.multiply(tasks).plus(slot).cast("int").as("_bucket");
    Column[] columns = new Column[items.columns().length + 1];
    columns[0] = bucket;
    for (int i = 0; i < items.columns().length; i++) {
      columns[i + 1] = col(items.columns()[i]);
    }
    // bucket b of n goes to partition b: the hash of a non-negative Integer is itself
    JavaRDD<Tuple2<Integer, Row>> buckets = items.select(columns).javaRDD()
        .mapToPair(r -> new Tuple2<>(r.getInt(0), withoutFirst(r)))
        .partitionBy(new HashPartitioner((int) (pieces * tasks)))
        .map(t -> t);
    return new Pieces(items.sparkSession(), items.schema(), buckets, tasks);
  }

  /** Piece {@code index}: its items in {@code tasks} partitions. */
  Dataset<Row> piece(long index) {
    JavaRDD<Row> rows = PartitionPruningRDD.create(buckets.rdd(), new InPiece(index, tasks)).toJavaRDD()
        .map(Tuple2::_2);
    return spark.createDataFrame(rows, schema);
  }

  private static Row withoutFirst(Row r) {
    Object[] values = new Object[r.length() - 1];
    for (int i = 1; i < r.length(); i++) {
      values[i - 1] = r.get(i);
    }
    return RowFactory.create(values);
  }

  /** The partitions of one piece. */
  private static final class InPiece extends AbstractFunction1<Object, Object> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final long piece;
    private final int tasks;

    InPiece(long piece, int tasks) {
      this.piece = piece;
      this.tasks = tasks;
    }

    @Override
    public Object apply(Object partition) {
      return (Integer) partition / tasks == piece;
    }
  }
}
