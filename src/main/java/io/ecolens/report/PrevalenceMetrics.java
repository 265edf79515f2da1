package io.ecolens.report;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.report.PrevalenceEstimator.Estimate;
import io.ecolens.report.PrevalenceEstimator.StratumTally;
import io.ecolens.report.PrevalenceEstimator.WeightedTally;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Prevalence of violating labels on the sample, per category, overall and per content format.
 *
 * <p>Spark reduces labelled items to one tally per category × stratum × format (its size grows
 * with the strata, never with the corpus); {@link PrevalenceEstimator} turns tallies into
 * estimates on the driver.
 */
final class PrevalenceMetrics {
  /** Report section the rows are written under. */
  static final String REPORT = "prevalence";
  /** Metric name of the model-label prevalence. */
  static final String MODEL = "prevalence";
  /** Metric name of the human-label prevalence. */
  static final String HUMAN = "human_prevalence";
  /** Slice dimension of the per-format rows. */
  static final String FORMAT = "format";
  /** Format of an item missing from {@code content}. */
  static final String UNKNOWN_FORMAT = "unknown";

  private PrevalenceMetrics() {}

  /** Tally of one category, stratum and format. */
  record Cell(String category, String stratum, String format, long population, long observed, long positives,
      double weightSum, double weightedPositives, double weightSquares) {

    StratumTally stratumTally() {
      return new StratumTally(stratum, population, observed, positives);
    }

    WeightedTally weightedTally() {
      return new WeightedTally(observed, positives, weightSum, weightedPositives, weightSquares);
    }
  }

  /**
   * Tallies labelled items per category, stratum and format.
   *
   * @param labels content_id, category and a boolean {@code label}; rows with a null label are left out
   * @param samples the run's {@code samples} rows
   * @param content the run's {@code content} rows (for the format; items missing from it count as unknown)
   */
  static Dataset<Row> tallies(Dataset<Row> labels, Dataset<Row> samples, Dataset<Row> content) {
    Dataset<Row> design = samples.select(
        col("content_id"),
        col("stratum"),
        col("stratum_population"),
        coalesce(col("weight"), lit(1.0).divide(col("inclusion_probability"))).as("w"));
    Dataset<Row> formats = content.select(col("content_id").as("format_content_id"), col("format"));
    Column y = when(col("label"), lit(1L)).otherwise(lit(0L));
    return labels
        .filter(col("label").isNotNull())
        .select(col("content_id"), col("category"), col("label"))
        .join(design, "content_id")
        .join(formats, col("content_id").equalTo(col("format_content_id")), "left")
        .drop("format_content_id")
        .withColumn("format", coalesce(col("format"), lit(UNKNOWN_FORMAT)))
        .groupBy(col("category"), col("stratum"), col("format"))
        .agg(
            max(col("stratum_population")).as("population"),
            count(lit(1)).as("observed"),
            sum(y).as("positives"),
            sum(col("w")).as("weight_sum"),
            sum(col("w").multiply(y)).as("weighted_positives"),
            sum(col("w").multiply(col("w"))).as("weight_squares"));
  }

  /** Brings the tallies to the driver (one small row per category × stratum × format). */
  static List<Cell> collect(Dataset<Row> tallies) {
    List<Cell> cells = new ArrayList<>();
    for (Row r : tallies.collectAsList()) {
      cells.add(new Cell(r.getAs("category"), r.getAs("stratum"), r.getAs("format"),
          populationOf(r), r.<Long>getAs("observed"), r.<Long>getAs("positives"),
          r.<Double>getAs("weight_sum"), r.<Double>getAs("weighted_positives"), r.<Double>getAs("weight_squares")));
    }
    return cells;
  }

  private static long populationOf(Row r) {
    Long population = r.getAs("population");
    // A missing N_h fails below with the stratum's name, rather than as a NullPointerException here.
    return population == null ? 0 : population;
  }

  /** Metric rows: per category the stratified whole-run estimate, then one ratio estimate per format. */
  static List<MetricRow> metricRows(String runId, String metric, List<Cell> cells) {
    Map<String, List<Cell>> byCategory = new TreeMap<>();
    for (Cell cell : cells) {
      byCategory.computeIfAbsent(cell.category(), k -> new ArrayList<>()).add(cell);
    }
    List<MetricRow> rows = new ArrayList<>();
    byCategory.forEach((category, categoryCells) -> {
      // A stratum that spans formats appears once per format: merge back to one tally per stratum.
      Map<String, StratumTally> strata = new LinkedHashMap<>();
      Map<String, WeightedTally> formats = new TreeMap<>();
      for (Cell cell : categoryCells) {
        strata.merge(cell.stratum(), cell.stratumTally(), StratumTally::plus);
        formats.merge(cell.format(), cell.weightedTally(), WeightedTally::plus);
      }
      add(rows, runId, metric, category, MetricRow.ALL, MetricRow.ALL,
          PrevalenceEstimator.stratifiedWilson(new ArrayList<>(strata.values())));
      for (String format : new TreeSet<>(formats.keySet())) {
        add(rows, runId, metric, category, FORMAT, format, PrevalenceEstimator.ratio(formats.get(format)));
      }
    });
    return rows;
  }

  private static void add(List<MetricRow> rows, String runId, String metric, String category, String sliceKey,
      String sliceValue, Estimate estimate) {
    if (estimate != null) {
      rows.add(new MetricRow(runId, REPORT, metric, category, sliceKey, sliceValue, estimate.value(),
          estimate.ciLow(), estimate.ciHigh(), estimate.n()));
    }
  }
}
