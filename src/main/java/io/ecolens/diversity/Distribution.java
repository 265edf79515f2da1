package io.ecolens.diversity;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.ceil;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log2;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * How evenly items spread over the values of one dimension (format, language, creator...), per
 * group (population × dimension × slice). A pure Spark transform: items → value counts → per-group
 * sums; nothing reaches the driver.
 *
 * <p>With c_i the items of value i, N = Σ c_i and k the distinct values seen in the group:
 * <ul>
 *   <li>{@code entropy} H = −Σ (c_i/N) log2(c_i/N) = log2 N − Σ c_i log2 c_i / N (bits);
 *       {@code normalized_entropy} H / log2 k (1 = uniform; 0 when k = 1);
 *   <li>{@code gini} over the sorted counts: Σ_r (k + 1 − 2r) c_(r) / (k N), r the rank from the
 *       most frequent (0 = equal counts; near 1 = one value holds almost everything);
 *   <li>{@code hhi} Herfindahl–Hirschman Σ (c_i/N)² (1/k when uniform, 1 for one value);
 *   <li>{@code top1_share}, {@code top<k>_share}: share of items in the 1 and k most frequent values;
 *   <li>{@code distinct} k, and {@code coverage} = expected values seen / expected values, when an
 *       expected set is given;
 *   <li>{@code top_share_items} and {@code top_share_views}: the share of items and of views that
 *       come from the top {@code topShare} (e.g. 1%) of values, ranked by items and by views
 *       respectively, at least one value (creator concentration when the value is the creator).
 * </ul>
 * Ties in the ranking are broken by value, so the figures are deterministic; the sort runs within
 * each group on the executors.
 */
public final class Distribution {
  /** Input columns besides the group keys. */
  public static final String VALUE = "value";
  public static final String VIEWS = "views";
  /** Optional input: true when the value is in the expected set of its group (null: no set). */
  public static final String EXPECTED = "expected";
  /** Optional input: size of the expected set of the group (null: no set). */
  public static final String EXPECTED_SIZE = "expected_size";

  private Distribution() {}

  /**
   * Measures per group.
   *
   * @param items one row per item and group: the {@code keys} columns, {@link #VALUE} (null counts
   *     as "unknown"), and optionally {@link #VIEWS}, {@link #EXPECTED} and {@link #EXPECTED_SIZE}
   * @param keys columns that name a group (e.g. population, dimension, slice)
   * @param topK k of {@code top<k>_share}
   * @param topShare share of values counted as top for {@code top_share_items/views}, in (0, 1]
   * @return rows: the keys, {@code metric}, {@code value}, {@code n} (n = items of the group; the
   *     expected set's size for coverage). Coverage is written only for groups with an expected set.
   */
  public static Dataset<Row> measures(Dataset<Row> items, List<String> keys, int topK, double topShare) {
    Set<String> present = new HashSet<>(Arrays.asList(items.columns()));
    List<String> missing = new ArrayList<>(keys);
    missing.add(VALUE);
    missing.removeAll(present);
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("diversity input lacks column(s) " + missing);
    }
    Column[] keyCols = keys.stream().map(functions::col).toArray(Column[]::new);
    List<Column> select = new ArrayList<>(Arrays.asList(keyCols));
    select.add(coalesce(col(VALUE).cast("string"), lit("unknown")).as(VALUE));
    select.add((present.contains(VIEWS) ? coalesce(col(VIEWS).cast("long"), lit(0L)) : lit(0L)).as(VIEWS));
    select.add((present.contains(EXPECTED) ? col(EXPECTED).cast("boolean") : lit(null).cast("boolean")).as(EXPECTED));
    select.add((present.contains(EXPECTED_SIZE) ? col(EXPECTED_SIZE).cast("long") : lit(null).cast("long"))
        .as(EXPECTED_SIZE));
    List<Column> groupValue = new ArrayList<>(Arrays.asList(keyCols));
    groupValue.add(col(VALUE));
    Dataset<Row> counts = items.select(select.toArray(Column[]::new))
        .groupBy(groupValue.toArray(Column[]::new))
        .agg(count(lit(1)).as("c"), sum(VIEWS).as("v"), max(EXPECTED).as("e"), max(EXPECTED_SIZE).as("e_size"));
    WindowSpec group = Window.partitionBy(keyCols);
    Dataset<Row> ranked = counts
        .withColumn("k", count(lit(1)).over(group))
        .withColumn("r", row_number().over(group.orderBy(desc("c"), col(VALUE))))
        .withColumn("rv", row_number().over(group.orderBy(desc("v"), col(VALUE))))
        .withColumn("top_n", ceil(col("k").multiply(topShare)).cast("long"));
    Dataset<Row> sums = ranked.groupBy(keyCols).agg(
        first("k").as("k"),
        sum("c").as("n"),
        sum(col("c").multiply(log2(col("c")))).as("c_log_c"),
        sum(col("c").multiply(col("c"))).as("c2"),
        sum(lit(1).plus(col("k")).minus(col("r").multiply(2)).multiply(col("c"))).as("gini_num"),
        sum(when(col("r").leq(1), col("c")).otherwise(0L)).as("top1"),
        sum(when(col("r").leq(topK), col("c")).otherwise(0L)).as("topk"),
        sum(when(col("r").leq(col("top_n")), col("c")).otherwise(0L)).as("top_items"),
        sum(when(col("rv").leq(col("top_n")), col("v")).otherwise(0L)).as("top_views"),
        sum("v").as("views"),
        sum(when(col("e"), 1L).otherwise(0L)).as("expected_seen"),
        max("e_size").as("expected_size"));

    Column n = col("n").cast("double");
    Column kd = col("k").cast("double");
    Column entropy = log2(n).minus(col("c_log_c").divide(n));
    List<Column> rows = new ArrayList<>();
    rows.add(metric("entropy", entropy, col("n")));
    rows.add(metric("normalized_entropy", when(col("k").gt(1), entropy.divide(log2(kd))).otherwise(0.0), col("n")));
    rows.add(metric("gini", col("gini_num").divide(kd.multiply(n)), col("n")));
    rows.add(metric("hhi", col("c2").divide(n.multiply(n)), col("n")));
    rows.add(metric("top1_share", col("top1").divide(n), col("n")));
    rows.add(metric("top" + topK + "_share", col("topk").divide(n), col("n")));
    rows.add(metric("distinct", kd, col("n")));
    rows.add(metric("coverage", col("expected_seen").divide(col("expected_size").cast("double")),
        col("expected_size")));
    rows.add(metric("top_share_items", col("top_items").divide(n), col("n")));
    rows.add(metric("top_share_views",
        when(col("views").gt(0), col("top_views").divide(col("views").cast("double"))), col("n")));
    List<Column> out = new ArrayList<>(Arrays.asList(keyCols));
    out.add(col("m.metric").as("metric"));
    out.add(col("m.value").as("value"));
    out.add(col("m.n").as("n"));
    List<Column> exploded = new ArrayList<>(Arrays.asList(keyCols));
    exploded.add(explode(array(rows.toArray(Column[]::new))).as("m"));
    return sums.select(exploded.toArray(Column[]::new))
        .select(out.toArray(Column[]::new))
        .filter(col("metric").notEqual("coverage").or(col("n").isNotNull().and(col("n").gt(0))));
  }

  private static Column metric(String name, Column value, Column n) {
    return struct(lit(name).as("metric"), value.cast("double").as("value"), n.cast("long").as("n"));
  }
}
