package io.ecolens.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.Errors;
import io.ecolens.run.MetricRows;
import io.ecolens.run.RunContext;
import io.ecolens.tables.KnownMetrics;
import io.ecolens.tables.Table;
import io.ecolens.scorer.cascade.CascadeFit;
import io.ecolens.tables.MetricRow;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a cascade saved, from the run's {@code scores} rows: how many items the second step
 * scored against how many it would have scored alone, and what that cost. Written to
 * {@code metrics} under report {@value #REPORT}, slice {@code second} = the second step's type.
 *
 * <p>Only items decided in this run count (status ok or error); items copied from an earlier run's
 * cache made no call either way and are reported apart. The second-step-only cost is extrapolated
 * from the mean cost of the items the second step did score; {@link #compare} puts it next to a
 * measured LLM-only run over the same sample.
 */
public final class CascadeFigures {
  /** The {@code metrics} report of a cascade run's figures. */
  public static final String REPORT = "cascade";
  /** The {@code metrics} report of a cascade's band fit on its pilot ({@link CascadePilot}): the curve and the chosen point. */
  public static final String FIT = "cascade_fit";
  private static final String POINT = "point";
  private static final String CURVE_BAND = "curve_band";
  private static final String CURVE_SHARE = "curve_escalated_share";
  private static final String CURVE_F1 = "curve_f1_micro";
  private static final String CURVE_COST = "curve_cost_per_item_usd";
  private static final String BAND = "band";
  /** The {@code metrics} report comparing a cascade run with a second-step-only run over the same sample. */
  public static final String COMPARISON = "cascade_vs_llm_only";

  /** The figures of one run. */
  public record Figures(String second, long items, long escalatedItems, long escalatedErrorItems,
      long cachedItems, double secondCostUsd) {
    /** Share of the decided items that went to the second step. */
    public double escalatedShare() {
      return items == 0 ? 0.0 : (double) escalatedItems / items;
    }

    /** Items the second step did not have to score. */
    public long callsSaved() {
      return items - escalatedItems;
    }

    /** Cost of sending every decided item to the second step, from the mean cost of those sent; null when none was. */
    public Double secondOnlyCostUsd() {
      return escalatedItems == 0 ? null : secondCostUsd / escalatedItems * items;
    }
  }

  private CascadeFigures() {}

  /** Tallies the cascade figures of {@code runId}'s scores (a single small aggregation). */
  public static Figures of(Dataset<Row> runScores, String secondType) {
    Column decided = col("status").isin("ok", "error");
    Column bySecond = decided.and(col("scorer").equalTo(lit(secondType)));
    Row r = runScores.agg(
        countDistinct(when(decided, col("content_id"))),
        countDistinct(when(bySecond, col("content_id"))),
        countDistinct(when(bySecond.and(col("status").equalTo("error")), col("content_id"))),
        countDistinct(when(col("status").equalTo("cached"), col("content_id"))),
        sum(when(bySecond, col("cost_usd")).otherwise(0.0))).first();
    return new Figures(secondType, r.getLong(0), r.getLong(1), r.getLong(2), r.getLong(3),
        r.isNullAt(4) ? 0.0 : r.getDouble(4));
  }

  /** Computes the run's figures and replaces its {@value #REPORT} rows in {@code metrics}. */
  public static Figures write(RunContext ctx, String secondType) {
    Figures f = of(ctx.store().readRun(Table.SCORES, ctx.runId()), secondType);
    MetricRows rows = new MetricRows(ctx.runId(), REPORT);
    String key = "second";
    long n = f.items();
    rows.add("items", "", key, secondType, n, null, null, n);
    rows.add("escalated_items", "", key, secondType, f.escalatedItems(), null, null, n);
    rows.add("escalated_share", "", key, secondType, f.escalatedShare(), null, null, n);
    rows.add("second_only_items", "", key, secondType, n, null, null, n);
    rows.add("calls_saved", "", key, secondType, f.callsSaved(), null, null, n);
    rows.add("escalated_error_items", "", key, secondType, f.escalatedErrorItems(), null, null, f.escalatedItems());
    rows.add("cached_items", "", key, secondType, f.cachedItems(), null, null, n + f.cachedItems());
    rows.add("second_cost_usd", "", key, secondType, f.secondCostUsd(), null, null, f.escalatedItems());
    if (f.secondOnlyCostUsd() != null) {
      rows.add("second_only_cost_usd", "", key, secondType, f.secondOnlyCostUsd(), null, null, n);
      rows.add("cost_saved_usd", "", key, secondType, f.secondOnlyCostUsd() - f.secondCostUsd(), null, null, n);
    }
    rows.write(ctx);
    return f;
  }

  /**
   * Puts the cascade run {@code ctx.runId()} next to the LLM-only run {@code llmOnlyRunId} over the
   * same sample, both already scored and evaluated: F1 per category (and micro) of each against the
   * human labels, and each run's measured second-step items and cost. Written to {@code metrics}
   * under report {@value #COMPARISON} of the cascade run. Fails when the samples differ.
   */
  public static Map<String, double[]> compare(RunContext ctx, String llmOnlyRunId) {
    String runId = ctx.runId();
    Dataset<Row> mine = ctx.store().readRun(Table.SAMPLES, runId).select("content_id");
    Dataset<Row> theirs = ctx.store().readRun(Table.SAMPLES, llmOnlyRunId).select("content_id");
    long differ = mine.except(theirs).count() + theirs.except(mine).count();
    if (differ > 0) {
      throw Errors.stageFailed("report", "runs " + runId + " and " + llmOnlyRunId + " scored different samples ("
          + differ + " items in one only); compare a cascade with an LLM-only run over the same sample", null);
    }
    Map<String, double[]> f1 = new LinkedHashMap<>();
    Map<String, Long> n = new LinkedHashMap<>();
    for (int side = 0; side < 2; side++) {
      String run = side == 0 ? runId : llmOnlyRunId;
      for (Row r : ctx.store().readRun(Table.METRICS, run)
          .filter(col("report").equalTo(KnownMetrics.AGREEMENT_REPORT).and(col("metric").equalTo("f1"))
              .and(col("slice_key").equalTo("all")))
          .select("category", "value", "n").collectAsList()) { // one row per category
        f1.computeIfAbsent(r.getString(0), k -> new double[] {Double.NaN, Double.NaN})[side] = r.getDouble(1);
        n.merge(r.getString(0), r.isNullAt(2) ? 0L : r.getLong(2), Math::max);
      }
    }
    if (f1.isEmpty()) {
      throw Errors.stageFailed("report", "runs " + runId + " and " + llmOnlyRunId + " have no agreement metrics; "
          + "run evaluate on both first", null);
    }
    Row llmOnly = ctx.store().readRun(Table.SCORES, llmOnlyRunId)
        .agg(countDistinct(col("content_id")), sum(col("cost_usd"))).first();
    Figures cascade = of(ctx.store().readRun(Table.SCORES, runId), "openai");
    MetricRows rows = new MetricRows(runId, COMPARISON);
    f1.forEach((category, v) -> {
      if (!Double.isNaN(v[0])) {
        rows.add("f1_cascade", category, "all", "all", v[0], null, null, n.get(category));
      }
      if (!Double.isNaN(v[1])) {
        rows.add("f1_llm_only", category, "all", "all", v[1], null, null, n.get(category));
      }
    });
    long items = llmOnly.getLong(0);
    double llmOnlyCost = llmOnly.isNullAt(1) ? 0.0 : llmOnly.getDouble(1);
    rows.add("llm_items_cascade", "", "run", runId, cascade.escalatedItems(), null, null, cascade.items());
    rows.add("llm_items_llm_only", "", "run", llmOnlyRunId, items, null, null, items);
    rows.add("llm_cost_usd_cascade", "", "run", runId, cascade.secondCostUsd(), null, null, cascade.items());
    rows.add("llm_cost_usd_llm_only", "", "run", llmOnlyRunId, llmOnlyCost, null, null, items);
    rows.write(ctx);
    return f1;
  }

  /**
   * A cascade's band fit as read back from {@code metrics} (report {@value #FIT}): the curve's points
   * in order, the chosen point's figures by metric ({@code escalated_share}, {@code f1_micro},
   * {@code f1_loss}, {@code cost_per_item_usd}, {@code second_only_f1_micro}, {@code tolerance}, …)
   * and each category's band.
   */
  public record FitFigures(List<CascadeFit.Point> curve, Map<String, Double> chosen, Map<String, Double> bands) {}

  /**
   * The rows of report {@value #FIT} for {@code fit}: the curve (slice {@code point} = 00, 01, …),
   * the chosen point and each category's band (in log-odds; {@link CascadeFit#EVERY_ITEM} for every item).
   */
  static MetricRows fitRows(String runId, CascadeFit.Fit fit) {
    MetricRows m = new MetricRows(runId, FIT);
    long n = fit.items();
    for (int i = 0; i < fit.curve().size(); i++) {
      CascadeFit.Point p = fit.curve().get(i);
      String point = String.format(Locale.ROOT, "%02d", i);
      m.add(CURVE_BAND, "", POINT, point, p.band(), null, null, n);
      m.add(CURVE_SHARE, "", POINT, point, p.escalatedShare(), null, null, n);
      m.add(CURVE_F1, "", POINT, point, p.microF1(), null, null, n);
      m.add(CURVE_COST, "", POINT, point, p.costPerItemUsd(), null, null, n);
    }
    CascadeFit.Point c = fit.chosen();
    m.add("escalated_share", "", "all", "all", c.escalatedShare(), null, null, n);
    m.add("calls_saved_share", "", "all", "all", 1.0 - c.escalatedShare(), null, null, n);
    m.add("f1_micro", "", "all", "all", c.microF1(), null, null, n);
    m.add("f1_loss", "", "all", "all", fit.f1Loss(), null, null, n);
    m.add("cost_per_item_usd", "", "all", "all", c.costPerItemUsd(), null, null, n);
    m.add("first_only_f1_micro", "", "all", "all", fit.firstOnlyF1(), null, null, n);
    m.add("second_only_f1_micro", "", "all", "all", fit.secondOnlyF1(), null, null, n);
    m.add("tolerance", "", "all", "all", fit.tolerance(), null, null, n);
    m.add("pilot_items", "", "all", "all", n, null, null, n);
    fit.bands().forEach((category, band) -> m.add(BAND, category, "all", "all", band, null, null, n));
    return m;
  }

  /** The band fit among a run's {@code metrics} rows (other reports are skipped); empty when it fitted none. */
  public static Optional<FitFigures> fitOf(Collection<MetricRow> metrics) {
    Map<String, double[]> points = new TreeMap<>();
    Map<String, Double> chosen = new LinkedHashMap<>();
    Map<String, Double> bands = new LinkedHashMap<>();
    for (MetricRow m : metrics) {
      if (!FIT.equals(m.report()) || m.value() == null) {
        continue;
      }
      int field = List.of(CURVE_BAND, CURVE_SHARE, CURVE_F1, CURVE_COST).indexOf(m.metric());
      if (field >= 0) {
        points.computeIfAbsent(m.sliceValue(), k -> new double[4])[field] = m.value();
      } else if (m.metric().equals(BAND)) {
        bands.put(m.category(), m.value());
      } else {
        chosen.put(m.metric(), m.value());
      }
    }
    if (chosen.isEmpty()) {
      return Optional.empty();
    }
    List<CascadeFit.Point> curve = points.values().stream()
        .map(p -> new CascadeFit.Point(p[0], p[1], p[2], p[3])).toList();
    return Optional.of(new FitFigures(curve, chosen, bands));
  }
}
