package io.ecolens.sample;

import io.ecolens.config.Weighting;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;

import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig.SampleSettings;
import io.ecolens.run.MetricRows;
import io.ecolens.run.RunContext;
import io.ecolens.run.Stage;
import io.ecolens.run.StageResult;
import io.ecolens.tables.Table;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sample: a stratified sample of the run's content with exact sizes per stratum (proportional
 * allocation with a floor), reproducible from the seed: within each stratum items are ranked by a
 * hash of (seed, content_id) and the first n_h are taken. Each row keeps its inclusion
 * probability n_h / N_h and design weight N_h / n_h.
 */
public final class SampleStage implements Stage<SampleStage.Result> {
  private static final Logger LOG = LoggerFactory.getLogger(SampleStage.class);
  private static final int MAX_STRATA = 100_000;

  /** What was sampled: items drawn of the population, over how many strata. */
  public record Result(long population, long sampled, int strata) implements StageResult {
    @Override
    public Map<String, Long> counts() {
      Map<String, Long> counts = new LinkedHashMap<>();
      counts.put("population", population);
      counts.put("sampled", sampled);
      return counts;
    }

    /** "2,000 of 19,900 items over 100 strata". */
    @Override
    public String summary() {
      return String.format("%,d of %,d items over %d strata", sampled, population, strata);
    }
  }

  @Override
  public String name() {
    return "sample";
  }

  @Override
  public Result execute(RunContext ctx) {
    SampleSettings settings = ctx.config().sample();
    ctx.describe("sample", "size " + settings.size() + ", strata " + settings.strata());
    Dataset<Row> content = ctx.store().requireRun(Table.CONTENT, ctx.runId(), "ingest");
    checkStrata(withBuckets(content, settings.buckets()), settings.strata());

    Dataset<Row> keyed = withStratum(withBuckets(content, settings.buckets()), settings.strata());
    List<Row> counts = keyed.groupBy("stratum").count().collectAsList(); // one row per stratum
    if (counts.size() > MAX_STRATA) {
      throw Errors.config("the config", "sample.strata", counts.size() + " strata is too many (limit "
          + MAX_STRATA + "); use coarser columns, such as a bucketed follower count instead of creator_id");
    }
    Map<String, Long> population = new TreeMap<>();
    counts.forEach(r -> population.put(r.getString(0), r.getLong(1)));
    Map<String, Long> allocation = allocate(settings, population);

    Dataset<Row> sample = settings.weighting() == Weighting.VIEWS
        ? ViewWeightedDraw.draw(keyed, population, allocation, settings.seed(), ctx.runId())
        : draw(keyed, population, allocation, settings.seed(), ctx.runId());
    ctx.store().replaceRun(Table.SAMPLES, ctx.runId(), sample);
    long sampled = allocation.values().stream().mapToLong(Long::longValue).sum();
    long total = population.values().stream().mapToLong(Long::longValue).sum();

    MetricRows metrics = new MetricRows(ctx.runId(), "sample");
    metrics.add("population", "", "all", "all", total, null, null, total);
    metrics.add("sampled", "", "all", "all", sampled, null, null, total);
    allocation.forEach((stratum, n) ->
        metrics.add("sampled", "", "stratum", stratum, n, null, null, population.get(stratum)));
    metrics.write(ctx);
    LOG.info("sample: drew {} of {} items over {} strata ({})", sampled, total, population.size(),
        String.join(", ", settings.strata()));
    return new Result(total, sampled, population.size());
  }

  /** Sizes per stratum under the configured allocation. */
  static Map<String, Long> allocate(SampleSettings s, Map<String, Long> population) {
    return switch (s.allocation()) {
      case EQUAL -> Allocation.equal(population, s.size(), s.minPerStratum());
      case NEYMAN -> Allocation.neyman(population, s.priorPrevalence(), s.defaultPriorPrevalence(), s.size(),
          s.minPerStratum());
      case FIXED -> Allocation.fixed(population, s.fixedSizes(), s.minPerStratum());
      case PROPORTIONAL -> Allocation.proportional(population, s.size(), s.minPerStratum());
    };
  }

  /**
   * Adds the derived bucket columns: the source column (summed over {@code per} first, when set)
   * cut at the bounds into labels "&lt;b0", "[b0,b1)", …, "&gt;=bk" ("null" when the value is missing).
   */
  static Dataset<Row> withBuckets(Dataset<Row> content, Map<String, io.ecolens.config.EcolensConfig.BucketSettings> buckets) {
    Dataset<Row> out = content;
    for (Map.Entry<String, io.ecolens.config.EcolensConfig.BucketSettings> e : new TreeMap<>(buckets).entrySet()) {
      io.ecolens.config.EcolensConfig.BucketSettings b = e.getValue();
      checkStrata(out, b.per() == null ? List.of(b.column()) : List.of(b.column(), b.per()));
      Column value = b.per() == null ? col(b.column()).cast("double")
          : org.apache.spark.sql.functions.sum(col(b.column()).cast("double")).over(Window.partitionBy(col(b.per())));
      List<Double> bounds = b.bounds();
      Column label = lit("null");
      if (bounds.isEmpty()) {
        label = lit("all");
      } else {
        org.apache.spark.sql.Column chain = org.apache.spark.sql.functions.when(value.isNull(), lit("null"))
            .when(value.lt(bounds.get(0)), lit("<" + number(bounds.get(0))));
        for (int i = 1; i < bounds.size(); i++) {
          chain = chain.when(value.lt(bounds.get(i)), lit("[" + number(bounds.get(i - 1)) + "," + number(bounds.get(i)) + ")"));
        }
        label = chain.otherwise(lit(">=" + number(bounds.get(bounds.size() - 1))));
      }
      out = out.withColumn(e.getKey(), label);
    }
    return out;
  }

  private static String number(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  /** Fails, naming them, when strata columns are not in the content table. */
  static void checkStrata(Dataset<Row> content, List<String> strata) {
    Set<String> present = Arrays.stream(content.columns()).collect(Collectors.toSet());
    List<String> missing = strata.stream().filter(s -> !present.contains(s)).toList();
    if (!missing.isEmpty()) {
      throw Errors.config("the config", "sample.strata", "unknown column(s) " + missing
          + "; strata must be columns of the content table: " + String.join(", ", content.columns()));
    }
  }

  /** Adds {@code stratum}: the strata columns' values joined by '|' ("all" with no strata). */
  static Dataset<Row> withStratum(Dataset<Row> content, List<String> strata) {
    if (strata.isEmpty()) {
      return content.withColumn("stratum", lit("all"));
    }
    Column[] parts = strata.stream()
        .map(s -> coalesce(col(s).cast("string"), lit("null")))
        .toArray(Column[]::new);
    return content.withColumn("stratum", concat_ws("|", parts));
  }

  /** One row per stratum: stratum, stratum_population (N_h), stratum_sample_size (n_h). */
  static Dataset<Row> plan(Dataset<Row> keyed, Map<String, Long> population, Map<String, Long> allocation) {
    List<Row> plan = new ArrayList<>();
    allocation.forEach((stratum, n) -> plan.add(RowFactory.create(stratum, population.get(stratum), n)));
    StructType planSchema = new StructType()
        .add("stratum", DataTypes.StringType)
        .add("stratum_population", DataTypes.LongType)
        .add("stratum_sample_size", DataTypes.LongType);
    return keyed.sparkSession().createDataFrame(plan, planSchema);
  }

  /** Takes the first n_h items of each stratum by the seeded hash; pure given its inputs. */
  static Dataset<Row> draw(Dataset<Row> keyed, Map<String, Long> population, Map<String, Long> allocation,
      long seed, String runId) {
    Dataset<Row> plans = plan(keyed, population, allocation);
    Dataset<Row> ranked = keyed
        .select(col("content_id"), col("stratum"),
            xxhash64(lit(seed), col("content_id")).as("_key"))
        .withColumn("_rank", row_number().over(
            Window.partitionBy("stratum").orderBy(col("_key"), col("content_id"))));
    return ranked.join(broadcast(plans), "stratum")
        .filter(col("_rank").leq(col("stratum_sample_size")))
        .select(
            lit(runId).as("run_id"),
            col("content_id"),
            col("stratum"),
            col("stratum_sample_size").divide(col("stratum_population")).as("inclusion_probability"),
            col("stratum_population").divide(col("stratum_sample_size")).as("weight"),
            col("stratum_population"),
            col("stratum_sample_size"));
  }

}
