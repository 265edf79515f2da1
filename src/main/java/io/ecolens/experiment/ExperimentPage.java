package io.ecolens.experiment;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import io.ecolens.Errors;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.XYItemLabelGenerator;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The experiment's page, {@code experiment.html}: leaderboard, the cost-versus-quality chart with
 * the Pareto front (a PNG inlined as a data: URI, so the page is one self-contained file), the
 * paired comparisons and the disagreement examples. Rendered with the project's Mustache engine.
 */
public final class ExperimentPage {
  static final String TEMPLATE = "experiment.html.mustache";
  static final String FILE = "experiment.html";

  private static final Color[] CURVE_COLORS = {new Color(0x3a9a5b), new Color(0x7b5ea7), new Color(0xd9822b)};

  private ExperimentPage() {}

  /** Everything the page shows. */
  public record Model(String name, String description, String runId, String sampleRun, long items,
      String baseline, List<Leaderboard.VariantInfo> variants, Leaderboard board,
      Map<String, List<Disagreements.Example>> examples, int iterations, long seed,
      Map<String, CascadeCurve> cascadeCurves) {}

  /**
   * A cascade variant's trade-off on its labelled pilot, one band for every category: (cost per
   * 1,000 items, micro F1) points, and the point of the bands it chose.
   */
  public record CascadeCurve(List<double[]> points, double[] chosen) {}

  /** Writes the page into {@code dir} and returns its path. */
  public static Path write(Path dir, Model model) {
    Path target = dir.resolve(FILE);
    try {
      Files.createDirectories(dir);
      StringWriter html = new StringWriter();
      Mustache template = new DefaultMustacheFactory("io/ecolens/experiment").compile(TEMPLATE);
      template.execute(html, view(model)).flush();
      Path temp = dir.resolve(FILE + ".tmp");
      Files.writeString(temp, html.toString(), StandardCharsets.UTF_8);
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw Errors.stageFailed("experiment", "cannot write the experiment page to " + dir + ": " + e.getMessage()
          + "; check that report.output points to a writable local folder", e);
    }
  }

  static Map<String, Object> view(Model m) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", m.name());
    v.put("description", m.description());
    v.put("runId", m.runId());
    v.put("sampleRun", m.sampleRun());
    v.put("items", String.format(Locale.ROOT, "%,d", m.items()));
    v.put("baseline", m.baseline());
    v.put("iterations", String.format(Locale.ROOT, "%,d", m.iterations()));
    v.put("seed", m.seed());
    Map<String, Leaderboard.VariantInfo> infos = new LinkedHashMap<>();
    m.variants().forEach(i -> infos.put(i.name(), i));

    List<Map<String, Object>> rows = new ArrayList<>();
    List<Leaderboard.Summary> ranked = new ArrayList<>(m.board().summaries());
    ranked.sort(Comparator.comparingDouble((Leaderboard.Summary s) -> Double.isNaN(s.f1()) ? 1 : -s.f1()));
    for (Leaderboard.Summary s : ranked) {
      Leaderboard.VariantInfo info = infos.get(s.variant());
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("variant", s.variant());
      r.put("description", info.description());
      r.put("scorer", info.scorer());
      r.put("model", info.model());
      r.put("policyVersion", info.policyVersion());
      r.put("promptHash", info.promptHash().substring(0, 12));
      r.put("f1", fixed(s.f1()));
      r.put("f1Interval", interval(s.f1Low(), s.f1High()).strip());
      r.put("auprc", fixed(s.auprc()));
      r.put("auprcInterval", interval(s.auprcLow(), s.auprcHigh()).strip());
      r.put("kappa", fixed(s.kappa()));
      r.put("cost", usd(s.costPer1kItems()));
      r.put("tokens", Double.isNaN(s.tokensPerItem()) ? "–" : String.format(Locale.ROOT, "%,.0f", s.tokensPerItem()));
      r.put("p50", ms(s.latencyP50Ms()));
      r.put("p95", ms(s.latencyP95Ms()));
      r.put("errors", Double.isNaN(s.errorRate()) ? "–" : String.format(Locale.ROOT, "%.2f%%", 100 * s.errorRate()));
      r.put("pareto", s.pareto());
      r.put("settings", info.settingsJson());
      rows.add(r);
    }
    v.put("leaderboard", rows);

    List<Map<String, Object>> perCategory = new ArrayList<>();
    Map<String, Map<String, String>> f1 = new LinkedHashMap<>();
    for (ResultRow r : m.board().rows()) {
      if (r.comparedTo().isEmpty() && r.metric().equals(PairedBootstrap.F1)) {
        f1.computeIfAbsent(r.category(), c -> new LinkedHashMap<>()).put(r.variant(), fixed(r.value()));
      }
    }
    f1.forEach((category, byVariant) -> {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("category", category);
      List<String> cells = new ArrayList<>();
      infos.keySet().forEach(n -> cells.add(byVariant.getOrDefault(n, "–")));
      row.put("cells", cells);
      perCategory.add(row);
    });
    v.put("variantNames", new ArrayList<>(infos.keySet()));
    v.put("perCategory", perCategory);

    List<Map<String, Object>> comparisons = new ArrayList<>();
    for (Leaderboard.Comparison c : m.board().comparisons()) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("variant", c.variant());
      r.put("comparedTo", c.comparedTo());
      r.put("verdict", c.verdict());
      r.put("significant", c.f1().significant());
      r.put("worse", c.f1().significant() && c.f1().diff() < 0); // "loses to": shown as a warning
      r.put("f1Diff", signed(c.f1().diff()) + interval(c.f1().low(), c.f1().high()));
      r.put("f1P", p(c.f1().pValue()));
      r.put("auprcDiff", signed(c.auprc().diff()) + interval(c.auprc().low(), c.auprc().high()));
      r.put("auprcP", p(c.auprc().pValue()));
      List<Map<String, Object>> tests = new ArrayList<>();
      for (Leaderboard.McNemarRow t : c.mcnemar()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("category", t.category());
        row.put("b", t.test().b());
        row.put("c", t.test().c());
        row.put("method", t.test().method());
        row.put("p", p(t.test().pValue()));
        row.put("significant", t.test().pValue() < 0.05);
        tests.add(row);
      }
      r.put("mcnemar", tests);
      comparisons.add(r);
    }
    v.put("comparisons", comparisons);

    List<Map<String, Object>> examples = new ArrayList<>();
    m.examples().forEach((variant, list) -> {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("variant", variant);
      e.put("none", list.isEmpty());
      List<Map<String, Object>> items = new ArrayList<>();
      for (Disagreements.Example x : list) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("direction", x.direction());
        r.put("contentId", x.contentId());
        r.put("category", x.category());
        r.put("text", x.text());
        r.put("human", x.humanLabel() == null ? "tie" : x.humanLabel() ? "violating" : "not violating");
        r.put("variantVerdict", (x.variantLabel() ? "violating" : "not violating") + score(x.variantScore()));
        r.put("variantRationale", x.variantRationale());
        r.put("baselineVerdict", (x.baselineLabel() ? "violating" : "not violating") + score(x.baselineScore()));
        r.put("baselineRationale", x.baselineRationale());
        items.add(r);
      }
      e.put("items", items);
      examples.add(e);
    });
    v.put("examples", examples);
    v.put("chart", chartDataUri(m.board().summaries(), m.cascadeCurves()));
    v.put("cascadeCurves", !m.cascadeCurves().isEmpty());
    return v;
  }

  /**
   * Cost per 1,000 items (x) against micro F1 (y), the Pareto front joined by a line, and each fitted
   * cascade's curve on its pilot with its chosen point; a PNG data: URI.
   */
  static String chartDataUri(List<Leaderboard.Summary> summaries, Map<String, CascadeCurve> curves) {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    XYSeries points = new XYSeries("variants", false, true);
    XYSeries front = new XYSeries("Pareto front", true, true);
    // variants at the same point share one marker and one label
    Map<List<Double>, String> labelled = new LinkedHashMap<>();
    for (Leaderboard.Summary s : summaries) {
      if (Double.isNaN(s.costPer1kItems()) || Double.isNaN(s.f1())) {
        continue;
      }
      labelled.merge(List.of(s.costPer1kItems(), s.f1()), s.variant(), (a, b) -> a + ", " + b);
      if (s.pareto()) {
        front.add(s.costPer1kItems(), s.f1());
      }
    }
    List<String> names = new ArrayList<>();
    labelled.forEach((point, label) -> {
      points.add(point.get(0), point.get(1));
      names.add(label);
    });
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(points);
    data.addSeries(front);
    curves.forEach((variant, curve) -> {
      XYSeries line = new XYSeries(variant + ": one band for every category (pilot)", false, true);
      curve.points().forEach(p -> line.add(p[0], p[1]));
      XYSeries chosen = new XYSeries(variant + ": fitted bands (pilot)", false, true);
      chosen.add(curve.chosen()[0], curve.chosen()[1]);
      data.addSeries(line);
      data.addSeries(chosen);
    });
    NumberAxis x = new NumberAxis("cost per 1,000 items (USD)");
    NumberAxis y = new NumberAxis("micro F1 vs human labels");
    y.setAutoRangeIncludesZero(false);
    x.setAutoRangeIncludesZero(true);
    // room for the labels of the points at the plot's edges
    x.setUpperMargin(0.2);
    y.setLowerMargin(0.1);
    y.setUpperMargin(0.12);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
    renderer.setSeriesLinesVisible(0, false);
    renderer.setSeriesPaint(0, new Color(0x2f6fb3));
    renderer.setSeriesLinesVisible(1, true);
    renderer.setSeriesShapesVisible(1, true);
    renderer.setSeriesPaint(1, new Color(0xb3452f));
    renderer.setSeriesStroke(1, new BasicStroke(2f));
    for (int c = 0; c < curves.size(); c++) {
      Color color = CURVE_COLORS[c % CURVE_COLORS.length];
      renderer.setSeriesPaint(2 + 2 * c, color);
      renderer.setSeriesShapesVisible(2 + 2 * c, false);
      renderer.setSeriesStroke(2 + 2 * c, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
          new float[] {5f, 4f}, 0f));
      renderer.setSeriesPaint(3 + 2 * c, color);
      renderer.setSeriesLinesVisible(3 + 2 * c, false);
      renderer.setSeriesShape(3 + 2 * c, new java.awt.geom.Ellipse2D.Double(-6, -6, 12, 12));
    }
    XYItemLabelGenerator labels = (dataset, series, item) -> series == 0 ? names.get(item) : null;
    renderer.setSeriesItemLabelGenerator(0, labels);
    renderer.setSeriesItemLabelsVisible(0, true);
    renderer.setSeriesPositiveItemLabelPosition(0,
        new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12, TextAnchor.BOTTOM_LEFT));
    XYPlot plot = new XYPlot(data, x, y, renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdfe3e8));
    plot.setRangeGridlinePaint(new Color(0xdfe3e8));
    JFreeChart chart = new JFreeChart(null, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    try {
      byte[] png = ChartUtils.encodeAsPNG(chart.createBufferedImage(760, 400));
      return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    } catch (IOException e) {
      throw Errors.stageFailed("experiment", "cannot render the cost-versus-quality chart: " + e.getMessage(), e);
    }
  }

  private static String fixed(double d) {
    return Double.isNaN(d) ? "–" : String.format(Locale.ROOT, "%.3f", d);
  }

  private static String signed(double d) {
    return Double.isNaN(d) ? "–" : String.format(Locale.ROOT, "%+.3f", d);
  }

  private static String interval(double lo, double hi) {
    return Double.isNaN(lo) || Double.isNaN(hi) ? "" : String.format(Locale.ROOT, " [%.3f, %.3f]", lo, hi);
  }

  private static String usd(double d) {
    return Double.isNaN(d) ? "–" : String.format(Locale.ROOT, "$%,.4f", d);
  }

  private static String ms(double d) {
    return Double.isNaN(d) ? "–" : String.format(Locale.ROOT, "%,.0f ms", d);
  }

  private static String p(double p) {
    return p < 0.001 ? "< 0.001" : String.format(Locale.ROOT, "%.3f", p);
  }

  private static String score(Double s) {
    return s == null ? "" : String.format(Locale.ROOT, " (%.2f)", s);
  }
}
