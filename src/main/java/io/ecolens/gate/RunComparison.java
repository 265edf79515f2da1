package io.ecolens.gate;

import io.ecolens.tables.FigureKey;
import io.ecolens.tables.KnownMetrics;
import io.ecolens.tables.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Compares the figures of a run with those of its baseline run, figure by figure (same report,
 * metric, category and slice), and shapes the result as {@code metrics} rows of report
 * {@code comparison}. Pure: no Spark jobs.
 *
 * <p>Rows per figure found in both runs: {@code <metric>_delta} (value current − baseline, the
 * MOVER 95% interval of the difference when both figures have one, n of the current run);
 * {@code <metric>_p_value} for proportions (two-proportion z-test); {@code <metric>_significant}
 * (1 or 0) wherever a test applies: the z-test at {@code alpha} for proportions, interval overlap
 * for other figures with intervals. The rows keep the figure's category and slice; see
 * {@link #metricName} for how the report a figure came from shows in the name.
 */
public final class RunComparison {
  /** The report name of the comparison rows in {@code metrics}. */
  public static final String REPORT = KnownMetrics.COMPARISON_REPORT;
  /** Differences smaller than this are floating-point rounding, not change. */
  static final double ROUNDING = 1e-12;

  private RunComparison() {}

  /** Deltas of every figure present in both runs, in the current run's order. */
  public static List<Delta> compare(List<Figure> baseline, List<Figure> current, double alpha) {
    Map<FigureKey, Figure> before = index(baseline);
    List<Delta> deltas = new ArrayList<>();
    for (Figure now : current) {
      Figure then = before.get(now.key());
      if (then != null) {
        deltas.add(delta(then, now, alpha));
      }
    }
    return deltas;
  }

  /** Figures by key (the first of duplicates wins). */
  public static Map<FigureKey, Figure> index(List<Figure> figures) {
    Map<FigureKey, Figure> byKey = new LinkedHashMap<>();
    figures.forEach(f -> byKey.putIfAbsent(f.key(), f));
    return byKey;
  }

  /** The comparison of one figure across two runs. */
  static Delta delta(Figure then, Figure now, double alpha) {
    // the same figure re-aggregated in another order can differ in its last bits: that is no change
    double raw = now.value() - then.value();
    double delta = Math.abs(raw) < ROUNDING ? 0.0 : raw;
    Double low = null;
    Double high = null;
    if (then.hasInterval() && now.hasInterval()) {
      double[] ci = Significance.differenceInterval(then.value(), then.ciLow(), then.ciHigh(), now.value(),
          now.ciLow(), now.ciHigh());
      low = ci[0];
      high = ci[1];
    }
    String metric = now.key().metric();
    if (KnownMetrics.isProportion(metric) && then.n() != null && now.n() != null) {
      double p = Significance.twoProportionP(then.value(), then.n(), now.value(), now.n());
      if (!Double.isNaN(p)) {
        return new Delta(now.key(), then, now, delta, low, high, p, p < alpha, "z_test");
      }
    }
    if (then.hasInterval() && now.hasInterval()) {
      boolean disjoint = Significance.disjoint(then.ciLow(), then.ciHigh(), now.ciLow(), now.ciHigh());
      return new Delta(now.key(), then, now, delta, low, high, null, disjoint, "interval_overlap");
    }
    return new Delta(now.key(), then, now, delta, null, null, null, null, "none");
  }

  /** The {@code metrics} rows (schema of {@link Table#METRICS}) of {@code runId}'s comparison. */
  public static List<Row> rows(String runId, List<Delta> deltas) {
    List<Row> rows = new ArrayList<>();
    for (Delta d : deltas) {
      FigureKey k = d.key();
      String name = metricName(k);
      Long n = d.current().n();
      rows.add(row(runId, name + "_delta", k, d.delta(), d.ciLow(), d.ciHigh(), n));
      if (d.pValue() != null) {
        rows.add(row(runId, name + "_p_value", k, d.pValue(), null, null, n));
      }
      if (d.significant() != null) {
        rows.add(row(runId, name + "_significant", k, d.significant() ? 1.0 : 0.0, null, null, n));
      }
    }
    return rows;
  }

  /**
   * The stem of a figure's comparison rows: the metric name (e.g. {@code f1}, giving {@code f1_delta})
   * when the figure comes from the report that usually writes it (agreement figures per slice
   * included), else {@code <report>:<metric>} (e.g. {@code diversity:entropy}) so figures of
   * different reports never share a name.
   */
  static String metricName(FigureKey k) {
    String usual = KnownMetrics.reportOf(k.metric());
    boolean plain = k.report().equals(usual) || ("agreement".equals(usual) && "agreement_slices".equals(k.report()));
    return plain ? k.metric() : k.report() + ":" + k.metric();
  }

  private static Row row(String runId, String metric, FigureKey k, double value, Double low, Double high, Long n) {
    return RowFactory.create(runId, REPORT, metric, k.category(), k.sliceKey(), k.sliceValue(), value, low, high, n);
  }
}
