package io.ecolens.metrics;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.metrics.PrevalenceEstimator.Estimate;
import io.ecolens.metrics.PrevalenceEstimator.RatioTally;
import io.ecolens.metrics.PrevalenceEstimator.StratumTally;
import io.ecolens.metrics.PrevalenceEstimator.WeightedTally;
import io.ecolens.tables.MetricRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Prevalence of violating labels on the sample, per category: per item and per view (the
 * "violative view rate", Σ views·y / Σ views), overall, per content format and per stratum.
 *
 * <p>Spark reduces labelled items to one tally per category × stratum × format (its size grows
 * with the strata, never with the corpus); {@link PrevalenceEstimator} turns tallies into
 * estimates on the driver. Which estimator applies:
 *
 * <ul>
 *   <li>per item, whole run and per stratum: the stratified estimator with a Wilson interval on the
 *       effective n when every stratum has equal weights (an item-weighted draw), otherwise (a
 *       view-weighted draw) the linearised ratio with a = 1;
 *   <li>per item, per format: the weighted ratio with a Wilson interval on Kish's effective n;
 *   <li>per view: the linearised ratio with a = views (missing views count as 0), as a domain
 *       estimate for a format.
 * </ul>
 *
 * <p>Two report sections: {@link #REPORT} holds the whole-run and per-format figures, {@link
 * #SLICES} the per-stratum figures and a {@code <metric>_low_n_warning} row (value 1, n the
 * items) for every format or stratum with fewer labelled items than the minimum, as the {@code
 * agreement_slices} section does for agreement.
 */
public final class PrevalenceMetrics {
  /** Report section of the whole-run and per-format rows. */
  public static final String REPORT = "prevalence";
  /** Report section of the per-stratum rows and the low-n warnings. */
  public static final String SLICES = "prevalence_slices";
  /** Metric name of the model-label prevalence. */
  public static final String MODEL = "prevalence";
  /** Metric name of the human-label prevalence. */
  public static final String HUMAN = "human_prevalence";
  /** Suffix of the per-view metric names ({@code prevalence_by_views}, {@code human_prevalence_by_views}). */
  public static final String BY_VIEWS = "_by_views";
  /** Suffix of the warning rows of slices with too few labelled items. */
  static final String LOW_N_WARNING = "_low_n_warning";
  /** Slice dimension of the per-format rows. */
  public static final String FORMAT = "format";
  /** Slice dimension of the per-stratum rows. */
  static final String STRATUM = "stratum";
  /** Format of an item missing from {@code content}. */
  static final String UNKNOWN_FORMAT = "unknown";
  /** Weights that differ by less than this relative amount count as equal. */
  private static final double EQUAL_WEIGHTS = 1e-9;

  private PrevalenceMetrics() {}

  /**
   * Tally of one category, stratum and format: items, violations, and for the design weight w
   * and a = 1 (items) or a = views the sums Σw·a, Σw·a·y, Σ(w·a)², Σ(w·a)²·y, plus the smallest
   * and largest weight (to tell an equal-weight stratum from a view-weighted one).
   */
  record Cell(String category, String stratum, String format, long population, long observed, long positives,
      double weightSum, double weightedPositives, double weightSquares, double weightSquaresPositive,
      double viewWeightSum, double viewWeightedPositives, double viewWeightSquares, double viewWeightSquaresPositive,
      double weightMin, double weightMax) {

    StratumTally stratumTally() {
      return new StratumTally(stratum, population, observed, positives);
    }

    WeightedTally weightedTally() {
      return new WeightedTally(observed, positives, weightSum, weightedPositives, weightSquares);
    }

    RatioTally itemTally() {
      return new RatioTally(stratum, observed, positives, weightSum, weightedPositives, weightSquares,
          weightSquaresPositive);
    }

    RatioTally viewTally() {
      return new RatioTally(stratum, observed, positives, viewWeightSum, viewWeightedPositives, viewWeightSquares,
          viewWeightSquaresPositive);
    }

    /** The two cells summed (same category and stratum; the format of the first is kept). */
    Cell plus(Cell o) {
      return new Cell(category, stratum, format, Math.max(population, o.population), observed + o.observed,
          positives + o.positives, weightSum + o.weightSum, weightedPositives + o.weightedPositives,
          weightSquares + o.weightSquares, weightSquaresPositive + o.weightSquaresPositive,
          viewWeightSum + o.viewWeightSum, viewWeightedPositives + o.viewWeightedPositives,
          viewWeightSquares + o.viewWeightSquares, viewWeightSquaresPositive + o.viewWeightSquaresPositive,
          Math.min(weightMin, o.weightMin), Math.max(weightMax, o.weightMax));
    }

    boolean equalWeights() {
      return weightMax - weightMin <= EQUAL_WEIGHTS * Math.abs(weightMax);
    }
  }

  /**
   * Tallies labelled items per category, stratum and format.
   *
   * @param labels content_id, category and a boolean {@code label}; rows with a null label are left out
   * @param samples the run's {@code samples} rows
   * @param content the run's {@code content} rows (for the format and views; items missing from it
   *     count as of unknown format with no views)
   */
  static Dataset<Row> tallies(Dataset<Row> labels, Dataset<Row> samples, Dataset<Row> content) {
    Dataset<Row> design = samples.select(
        col("content_id"),
        col("stratum"),
        col("stratum_population"),
        coalesce(col("weight"), lit(1.0).divide(col("inclusion_probability"))).as("w"));
    Dataset<Row> items = content.select(col("content_id").as("item_content_id"), col("format"),
        col("views").cast("double").as("item_views"));
    Column y = when(col("label"), lit(1L)).otherwise(lit(0L));
    Column w = col("w");
    Column wa = col("w").multiply(col("views"));
    return labels
        .filter(col("label").isNotNull())
        .select(col("content_id"), col("category"), col("label"))
        .join(design, "content_id")
        .join(items, col("content_id").equalTo(col("item_content_id")), "left")
        .drop("item_content_id")
        .withColumn("format", coalesce(col("format"), lit(UNKNOWN_FORMAT)))
        .withColumn("views", coalesce(col("item_views"), lit(0.0)))
        .groupBy(col("category"), col("stratum"), col("format"))
        .agg(
            max(col("stratum_population")).as("population"),
            count(lit(1)).as("observed"),
            sum(y).as("positives"),
            sum(w).as("weight_sum"),
            sum(w.multiply(y)).as("weighted_positives"),
            sum(w.multiply(w)).as("weight_squares"),
            sum(w.multiply(w).multiply(y)).as("weight_squares_positive"),
            sum(wa).as("view_weight_sum"),
            sum(wa.multiply(y)).as("view_weighted_positives"),
            sum(wa.multiply(wa)).as("view_weight_squares"),
            sum(wa.multiply(wa).multiply(y)).as("view_weight_squares_positive"),
            min(w).as("weight_min"),
            max(w).as("weight_max"));
  }

  /** Brings the tallies to the driver (one small row per category × stratum × format). */
  static List<Cell> collect(Dataset<Row> tallies) {
    List<Cell> cells = new ArrayList<>();
    for (Row r : tallies.collectAsList()) {
      cells.add(new Cell(r.getAs("category"), r.getAs("stratum"), r.getAs("format"),
          populationOf(r), r.<Long>getAs("observed"), r.<Long>getAs("positives"),
          r.<Double>getAs("weight_sum"), r.<Double>getAs("weighted_positives"), r.<Double>getAs("weight_squares"),
          r.<Double>getAs("weight_squares_positive"), r.<Double>getAs("view_weight_sum"),
          r.<Double>getAs("view_weighted_positives"), r.<Double>getAs("view_weight_squares"),
          r.<Double>getAs("view_weight_squares_positive"), r.<Double>getAs("weight_min"),
          r.<Double>getAs("weight_max")));
    }
    return cells;
  }

  private static long populationOf(Row r) {
    Long population = r.getAs("population");
    // A missing N_h fails below with the stratum's name, rather than as a NullPointerException here.
    return population == null ? 0 : population;
  }

  /**
   * Metric rows of one label source ({@code metric} is {@link #MODEL} or {@link #HUMAN}): per
   * category the whole-run estimates per item and per view, the same per format and per stratum,
   * and a warning row for every format or stratum with fewer than {@code minSliceItems} items.
   */
  static List<MetricRow> metricRows(String runId, String metric, List<Cell> cells, int minSliceItems) {
    Map<String, List<Cell>> byCategory = new TreeMap<>();
    for (Cell cell : cells) {
      byCategory.computeIfAbsent(cell.category(), k -> new ArrayList<>()).add(cell);
    }
    String byViews = metric + BY_VIEWS;
    List<MetricRow> rows = new ArrayList<>();
    byCategory.forEach((category, categoryCells) -> {
      // A stratum that spans formats appears once per format: merge back to one tally per stratum.
      Map<String, Cell> strata = new TreeMap<>();
      Map<String, List<Cell>> formats = new TreeMap<>();
      for (Cell cell : categoryCells) {
        strata.merge(cell.stratum(), cell, Cell::plus);
        formats.computeIfAbsent(cell.format(), k -> new ArrayList<>()).add(cell);
      }
      Map<String, Long> stratumSizes = new TreeMap<>();
      strata.forEach((stratum, cell) -> stratumSizes.put(stratum, cell.observed()));
      List<Cell> wholeRun = new ArrayList<>(strata.values());

      add(rows, runId, REPORT, metric, category, MetricRow.ALL, MetricRow.ALL, itemEstimate(wholeRun));
      add(rows, runId, REPORT, byViews, category, MetricRow.ALL, MetricRow.ALL,
          PrevalenceEstimator.linearizedRatio(wholeRun.stream().map(Cell::viewTally).toList()));
      formats.forEach((format, formatCells) -> {
        WeightedTally items = formatCells.stream().map(Cell::weightedTally)
            .reduce(WeightedTally.empty(), WeightedTally::plus);
        add(rows, runId, REPORT, metric, category, FORMAT, format, PrevalenceEstimator.ratio(items));
        add(rows, runId, REPORT, byViews, category, FORMAT, format,
            PrevalenceEstimator.linearizedDomainRatio(formatCells.stream().map(Cell::viewTally).toList(), stratumSizes));
        warnIfSmall(rows, runId, metric, category, FORMAT, format, items.observed(), minSliceItems);
      });
      strata.forEach((stratum, cell) -> {
        add(rows, runId, SLICES, metric, category, STRATUM, stratum, itemEstimate(List.of(cell)));
        add(rows, runId, SLICES, byViews, category, STRATUM, stratum,
            PrevalenceEstimator.linearizedRatio(List.of(cell.viewTally())));
        warnIfSmall(rows, runId, metric, category, STRATUM, stratum, cell.observed(), minSliceItems);
      });
    });
    return rows;
  }

  /** Per item: stratified (with N_h) when weights are equal within every stratum, else the linearised ratio. */
  private static Estimate itemEstimate(List<Cell> strata) {
    if (strata.stream().allMatch(Cell::equalWeights)) {
      return PrevalenceEstimator.stratifiedWilson(strata.stream().map(Cell::stratumTally).toList());
    }
    return PrevalenceEstimator.linearizedRatio(strata.stream().map(Cell::itemTally).toList());
  }

  private static void warnIfSmall(List<MetricRow> rows, String runId, String metric, String category, String sliceKey,
      String sliceValue, long observed, int minSliceItems) {
    if (observed < minSliceItems) {
      rows.add(new MetricRow(runId, SLICES, metric + LOW_N_WARNING, category, sliceKey, sliceValue, 1.0, null, null,
          observed));
    }
  }

  private static void add(List<MetricRow> rows, String runId, String report, String metric, String category,
      String sliceKey, String sliceValue, Estimate estimate) {
    if (estimate != null) {
      rows.add(new MetricRow(runId, report, metric, category, sliceKey, sliceValue, estimate.value(),
          estimate.ciLow(), estimate.ciHigh(), estimate.n()));
    }
  }
}
