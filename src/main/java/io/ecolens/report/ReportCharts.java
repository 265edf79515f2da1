package io.ecolens.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Rectangle;
import java.awt.geom.Ellipse2D;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.category.IntervalBarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.category.DefaultIntervalCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

/**
 * The report's charts, drawn by JFreeChart on JFreeSVG's {@link SVGGraphics2D} and returned as
 * inline {@code <svg>} elements, so report.html stays one self-contained file. Pure: figures in,
 * SVG text out; AWT runs headless.
 */
final class ReportCharts {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  private static final Font TITLE = new Font("SansSerif", Font.BOLD, 13);
  private static final Font LABEL = new Font("SansSerif", Font.PLAIN, 11);
  private static final Color GRID = new Color(0xdf, 0xe3, 0xe8);
  private static final Color[] PALETTE = {
      new Color(0x2f6fb3), new Color(0xd9822b), new Color(0x3a9a5b), new Color(0xb3452f), new Color(0x7b5ea7),
      new Color(0x8c6d31), new Color(0xc2579b), new Color(0x5f6b7a), new Color(0x9aa83a), new Color(0x2ba6a6)};
  /** Namespace declarations: not needed for SVG inside HTML, and they would name outside addresses. */
  private static final Pattern NAMESPACES = Pattern.compile("\\s+xmlns(:\\w+)?=(\"[^\"]*\"|'[^']*')");

  private ReportCharts() {}

  /** An estimate with its interval, for one label and series. */
  record Interval(String label, String series, double value, double low, double high) {}

  /**
   * Prevalence with 95% intervals: one row per label (category), one bar per series (whole run,
   * each format), the bar spanning the interval and a dot at the estimate.
   */
  static String prevalence(String id, List<Interval> intervals, List<String> labels, List<String> series) {
    if (intervals.isEmpty()) {
      return null;
    }
    Number[][] low = new Number[series.size()][labels.size()];
    Number[][] high = new Number[series.size()][labels.size()];
    DefaultCategoryDataset points = new DefaultCategoryDataset();
    for (Interval i : intervals) {
      int s = series.indexOf(i.series());
      int l = labels.indexOf(i.label());
      if (s < 0 || l < 0) {
        continue;
      }
      low[s][l] = i.low() * 100;
      high[s][l] = Math.max(i.high(), i.low() + 1e-4) * 100;
    }
    for (String s : series) {
      for (String l : labels) {
        points.addValue(null, s, l);
      }
    }
    intervals.forEach(i -> points.setValue(i.value() * 100, i.series(), i.label()));
    DefaultIntervalCategoryDataset bars = new DefaultIntervalCategoryDataset(
        series.toArray(Comparable[]::new), labels.toArray(Comparable[]::new), low, high);
    IntervalBarRenderer barRenderer = new IntervalBarRenderer();
    barRenderer.setShadowVisible(false);
    barRenderer.setDrawBarOutline(false);
    barRenderer.setItemMargin(0.05);
    barRenderer.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
    for (int s = 0; s < series.size(); s++) {
      barRenderer.setSeriesPaint(s, lighter(color(s)));
    }
    NumberAxis axis = new NumberAxis("Prevalence, % of items (bar: 95% interval, dot: estimate)");
    // the axis spans the widest interval: left to itself it fits the dots and cuts the bars off
    axis.setRange(0, prevalenceAxisTop(intervals));
    axis.setLabelFont(LABEL);
    CategoryAxis categories = new CategoryAxis();
    categories.setTickLabelFont(LABEL);
    CategoryPlot plot = new CategoryPlot(bars, categories, axis, barRenderer);
    plot.setOrientation(PlotOrientation.HORIZONTAL);
    LineAndShapeRenderer dots = new LineAndShapeRenderer(false, true);
    for (int s = 0; s < series.size(); s++) {
      dots.setSeriesPaint(s, color(s));
      dots.setSeriesShape(s, new Ellipse2D.Double(-3, -3, 6, 6));
      dots.setSeriesVisibleInLegend(s, false);
    }
    dots.setUseSeriesOffset(true);
    dots.setItemMargin(0.05);
    plot.setDataset(1, points);
    plot.setRenderer(1, dots);
    plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
    return svg(id, chart("Prevalence by category and format", plot), 1000, 80 + labels.size() * (18 + 9 * series.size()));
  }

  /** The upper end of the prevalence axis, in percent: a little beyond the highest estimate or interval end. */
  static double prevalenceAxisTop(List<Interval> intervals) {
    double top = intervals.stream().mapToDouble(i -> Math.max(i.value(), i.high())).max().orElse(0) * 100;
    return top > 0 ? top * 1.05 : 1;
  }

  /** A 2×2 confusion matrix heatmap: rows human label, columns model label, cells shaded by share. */
  static String confusion(String id, String title, long tp, long fp, long fn, long tn) {
    long total = tp + fp + fn + tn;
    if (total == 0) {
      return null;
    }
    // x: model label (0 = no, 1 = yes); y: human label (0 = no, 1 = yes)
    double[][] cells = {{0, 1, 0, 1}, {0, 0, 1, 1}, {share(tn, total), share(fp, total), share(fn, total), share(tp, total)}};
    DefaultXYZDataset data = new DefaultXYZDataset();
    data.addSeries("cells", cells);
    XYBlockRenderer renderer = new XYBlockRenderer();
    LookupPaintScale scale = new LookupPaintScale(0, 1.0001, Color.WHITE);
    for (int step = 0; step < 10; step++) {
      float t = step / 9f;
      scale.add(step / 10.0, new Color(1 - t * 0.82f, 1 - t * 0.56f, 1 - t * 0.3f));
    }
    renderer.setPaintScale(scale);
    SymbolAxis x = new SymbolAxis("Model", new String[] {"not violating", "violating"});
    SymbolAxis y = new SymbolAxis("Human", new String[] {"not violating", "violating"});
    for (SymbolAxis a : List.of(x, y)) {
      a.setLabelFont(LABEL);
      a.setTickLabelFont(LABEL);
      a.setGridBandsVisible(false);
    }
    XYPlot plot = new XYPlot(data, x, y, renderer);
    long[] counts = {tn, fp, fn, tp};
    String[] names = {"TN", "FP", "FN", "TP"};
    for (int i = 0; i < 4; i++) {
      XYTextAnnotation a = new XYTextAnnotation(names[i] + " " + Formats.count(counts[i]), cells[0][i], cells[1][i]);
      a.setFont(new Font("SansSerif", Font.BOLD, 12));
      a.setPaint(cells[2][i] > 0.5 ? Color.WHITE : Color.BLACK);
      plot.addAnnotation(a);
    }
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);
    JFreeChart chart = chart(title, plot);
    chart.removeLegend();
    return svg(id, chart, 300, 240);
  }

  /** Precision against recall over the threshold sweep, one line per category. */
  static String precisionRecall(String id, Map<String, List<double[]>> curves) {
    XYSeriesCollection data = new XYSeriesCollection();
    curves.forEach((name, points) -> {
      XYSeries s = new XYSeries(name, false, true);
      points.forEach(p -> s.add(p[0], p[1]));
      if (s.getItemCount() > 0) {
        data.addSeries(s);
      }
    });
    if (data.getSeriesCount() == 0) {
      return null;
    }
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    styleSeries(renderer, data.getSeriesCount());
    XYPlot plot = new XYPlot(data, unitAxis("Recall"), unitAxis("Precision"), renderer);
    return svg(id, chart("Precision–recall over the score threshold", plot), 560, 380);
  }

  /**
   * A cascade's trade-off on its pilot: micro F1 against the share of items sent to the second
   * scorer, one band for every category (the line), the fitted bands (the marked point) and the
   * floor the fit kept to (the second scorer alone minus the tolerance). {@code curve} holds
   * {share, F1} pairs; {@code chosen} one pair.
   */
  static String cascadeCurve(String id, String second, List<double[]> curve, double[] chosen, double floor) {
    if (curve.isEmpty()) {
      return null;
    }
    XYSeries line = new XYSeries("one band for every category", false, true);
    curve.forEach(p -> line.add(p[0], p[1]));
    XYSeries point = new XYSeries("fitted bands (chosen)", false, true);
    point.add(chosen[0], chosen[1]);
    XYSeries bound = new XYSeries(second + " alone − tolerance", false, true);
    bound.add(0.0, floor);
    bound.add(1.0, floor);
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(line);
    data.addSeries(point);
    data.addSeries(bound);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    styleSeries(renderer, 3);
    renderer.setSeriesLinesVisible(1, false);
    renderer.setSeriesShape(1, new Ellipse2D.Double(-6, -6, 12, 12));
    renderer.setSeriesShapesVisible(2, false);
    renderer.setSeriesStroke(2, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
        new float[] {6f, 4f}, 0f));
    // F1 spans a few points between the first step alone and the second alone: a 0..1 axis would flatten it
    NumberAxis f1 = new NumberAxis("Micro F1 on the pilot");
    f1.setAutoRangeIncludesZero(false);
    f1.setLabelFont(LABEL);
    XYPlot plot = new XYPlot(data, unitAxis("Share of items sent to " + second), f1, renderer);
    return svg(id, chart("Cascade: F1 against the share sent to " + second, plot), 560, 380);
  }

  /** Share of items per score bin, one step line per category. */
  static String scoreDistribution(String id, Map<String, long[]> bins) {
    XYSeriesCollection data = new XYSeriesCollection();
    bins.forEach((name, counts) -> {
      long total = 0;
      for (long c : counts) {
        total += c;
      }
      if (total == 0) {
        return;
      }
      XYSeries s = new XYSeries(name, false, true);
      for (int i = 0; i < counts.length; i++) {
        s.add((double) i / counts.length, 100.0 * counts[i] / total);
      }
      s.add(1.0, 100.0 * counts[counts.length - 1] / total);
      data.addSeries(s);
    });
    if (data.getSeriesCount() == 0) {
      return null;
    }
    XYStepRenderer renderer = new XYStepRenderer();
    styleSeries(renderer, data.getSeriesCount());
    NumberAxis share = new NumberAxis("% of scored items");
    share.setLabelFont(LABEL);
    XYPlot plot = new XYPlot(data, unitAxis("Score"), share, renderer);
    return svg(id, chart("Score distribution by category", plot), 560, 380);
  }

  /** One line per series over runs in order (e.g. normalised entropy per dimension). */
  static String overRuns(String id, String title, String axisLabel, List<String> runs,
      Map<String, Map<String, Double>> series) {
    List<String> shown = runsWithFigures(runs, series);
    if (shown.isEmpty()) {
      return null;
    }
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    series.forEach((name, byRun) -> {
      for (String run : shown) {
        data.addValue(byRun.get(run), name, run);
      }
    });
    LineAndShapeRenderer renderer = new LineAndShapeRenderer(true, true);
    for (int s = 0; s < series.size(); s++) {
      renderer.setSeriesPaint(s, color(s));
      renderer.setSeriesStroke(s, new BasicStroke(2f));
    }
    NumberAxis values = new NumberAxis(axisLabel);
    values.setLabelFont(LABEL);
    values.setAutoRangeIncludesZero(true);
    CategoryAxis runAxis = new CategoryAxis("Run");
    runAxis.setLabelFont(LABEL);
    runAxis.setTickLabelFont(LABEL);
    runAxis.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    CategoryPlot plot = new CategoryPlot(data, runAxis, values, renderer);
    return svg(id, chart(title, plot), 560, 380);
  }

  /** The runs, in order, with a figure in at least one series: the others would be empty slots on the axis. */
  static List<String> runsWithFigures(List<String> runs, Map<String, Map<String, Double>> series) {
    return runs.stream().filter(run -> series.values().stream().anyMatch(m -> m.get(run) != null)).toList();
  }

  private static NumberAxis unitAxis(String label) {
    NumberAxis axis = new NumberAxis(label);
    axis.setRange(0, 1.0);
    axis.setLabelFont(LABEL);
    return axis;
  }

  private static void styleSeries(XYLineAndShapeRenderer renderer, int count) {
    for (int s = 0; s < count; s++) {
      renderer.setSeriesPaint(s, color(s));
      renderer.setSeriesStroke(s, new BasicStroke(1.6f));
      renderer.setSeriesShape(s, new Ellipse2D.Double(-2, -2, 4, 4));
    }
  }

  private static JFreeChart chart(String title, org.jfree.chart.plot.Plot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setOutlinePaint(GRID);
    if (plot instanceof XYPlot xy) {
      xy.setDomainGridlinePaint(GRID);
      xy.setRangeGridlinePaint(GRID);
    } else if (plot instanceof CategoryPlot c) {
      c.setRangeGridlinePaint(GRID);
    }
    JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    TextTitle t = chart.getTitle();
    t.setPosition(RectangleEdge.TOP);
    LegendTitle legend = chart.getLegend();
    if (legend != null) {
      legend.setItemFont(LABEL);
      legend.setFrame(org.jfree.chart.block.BlockBorder.NONE);
    }
    return chart;
  }

  private static String svg(String id, JFreeChart chart, int width, int height) {
    SVGGraphics2D g2 = new SVGGraphics2D(width, height);
    g2.setDefsKeyPrefix(id + "-");
    chart.draw(g2, new Rectangle(0, 0, width, height));
    String element = g2.getSVGElement(id, true, new ViewBox(0, 0, width, height), null, null);
    return NAMESPACES.matcher(element).replaceAll("");
  }

  private static double share(long count, long total) {
    return (double) count / total;
  }

  private static Color color(int index) {
    return PALETTE[index % PALETTE.length];
  }

  private static Paint lighter(Color c) {
    return new Color(c.getRed(), c.getGreen(), c.getBlue(), 110);
  }

  /** An SVG id made of the letters and digits of {@code text}. */
  static String id(String prefix, String text) {
    return prefix + "-" + text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
  }
}
