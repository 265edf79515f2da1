package io.ecolens.report;

import io.ecolens.diversity.DiversityMetrics;
import io.ecolens.metrics.PrevalenceMetrics;
import io.ecolens.tables.MetricRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The report's charts (inline SVG, see {@link ReportCharts}) and its diversity block, from a {@link ReportModel}. */
final class ChartsView {
  private final ReportModel model;

  ChartsView(ReportModel model) {
    this.model = model;
  }

  /** The charts block: inline SVG charts and the confusion heatmaps. */
  Map<String, Object> view() {
    List<Map<String, Object>> list = new ArrayList<>();
    String prevalence = prevalenceChart();
    if (prevalence != null) {
      // a bar per category and format: too many for a grid cell, so it gets the whole row
      list.add(ReportModel.linked("title", "Prevalence by slice", "svg", prevalence, "wide", true,
          "note", "Model-label prevalence with its 95% interval, whole run and per content format."));
    }
    addChart(list, "Precision and recall", ReportCharts.precisionRecall("chart-pr", prCurves()),
        "From the evaluate stage's threshold sweep (score ≥ t counts as violating).");
    addChart(list, "Score distribution", ReportCharts.scoreDistribution("chart-scores", namedBins()),
        "Share of the run's scored items per score bin of width 1/" + ChartData.BINS + ".");
    addChart(list, "Diversity over runs", diversityOverRuns(),
        "Normalised entropy (1 = evenly spread) of the sample per dimension, this run and up to 19 earlier ones.");
    List<Map<String, Object>> heatmaps = new ArrayList<>();
    Map<String, Map<String, MetricRow>> agreement = model.agreementByCategory();
    for (String category : model.categoryOrder(agreement.keySet().stream().filter(c -> !ReportModel.isAggregate(c)).toList())) {
      Map<String, MetricRow> m = agreement.get(category);
      if (m == null || !m.keySet().containsAll(List.of("tp", "fp", "fn", "tn"))) {
        continue;
      }
      String svg = ReportCharts.confusion(ReportCharts.id("confusion", category), model.displayName(category),
          Math.round(m.get("tp").value()), Math.round(m.get("fp").value()), Math.round(m.get("fn").value()),
          Math.round(m.get("tn").value()));
      if (svg != null) {
        heatmaps.add(Map.of("svg", svg));
      }
    }
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("items", list);
    view.put("confusion", heatmaps);
    view.put("hasConfusion", !heatmaps.isEmpty());
    return view;
  }

  private static void addChart(List<Map<String, Object>> list, String title, String svg, String note) {
    if (svg != null) {
      list.add(ReportModel.linked("title", title, "svg", svg, "note", note, "wide", false));
    }
  }

  private String prevalenceChart() {
    List<MetricRow> rows = model.prevalenceRows(PrevalenceMetrics.MODEL);
    List<ReportCharts.Interval> intervals = new ArrayList<>();
    Set<String> series = new LinkedHashSet<>();
    series.add("all");
    List<String> labels = new ArrayList<>();
    for (String category : model.categoryOrder(rows.stream().map(MetricRow::category).toList())) {
      for (MetricRow m : rows) {
        if (!m.category().equals(category) || m.value() == null) {
          continue;
        }
        String name = model.displayName(category);
        if (!labels.contains(name)) {
          labels.add(name);
        }
        String s = m.wholeRun() ? "all" : m.sliceValue();
        series.add(s);
        intervals.add(new ReportCharts.Interval(name, s, m.value(),
            m.ciLow() == null ? m.value() : m.ciLow(), m.ciHigh() == null ? m.value() : m.ciHigh()));
      }
    }
    return ReportCharts.prevalence("chart-prevalence", intervals, labels, new ArrayList<>(series));
  }

  /** (recall, precision) per threshold and category, from report agreement_curves. */
  private Map<String, List<double[]>> prCurves() {
    Map<String, Map<String, double[]>> byCategory = new java.util.TreeMap<>();
    for (MetricRow m : model.data().metrics()) {
      if (!"agreement_curves".equals(m.report()) || !"threshold".equals(m.sliceKey()) || m.value() == null) {
        continue;
      }
      int index = "recall".equals(m.metric()) ? 0 : "precision".equals(m.metric()) ? 1 : -1;
      if (index >= 0) {
        byCategory.computeIfAbsent(m.category(), k -> new java.util.TreeMap<>())
            .computeIfAbsent(m.sliceValue(), k -> new double[] {Double.NaN, Double.NaN})[index] = m.value();
      }
    }
    Map<String, List<double[]>> curves = new LinkedHashMap<>();
    for (String category : model.categoryOrder(byCategory.keySet())) {
      Map<String, double[]> points = byCategory.get(category);
      if (points != null) {
        curves.put(model.displayName(category), points.values().stream()
            .filter(p -> !Double.isNaN(p[0]) && !Double.isNaN(p[1])).toList());
      }
    }
    return curves;
  }

  private Map<String, long[]> namedBins() {
    Map<String, long[]> named = new LinkedHashMap<>();
    for (String category : model.categoryOrder(model.charts().scoreBins().keySet())) {
      long[] bins = model.charts().scoreBins().get(category);
      if (bins != null) {
        named.put(model.displayName(category), bins);
      }
    }
    return named;
  }

  private String diversityOverRuns() {
    Map<String, Map<String, Double>> series = new LinkedHashMap<>();
    for (String dimension : DiversityMetrics.DIMENSIONS) {
      Map<String, Double> byRun = new LinkedHashMap<>();
      for (MetricRow m : model.charts().history()) {
        if (DiversityMetrics.SAMPLE.equals(m.report())
            && (dimension + "_normalized_entropy").equals(m.metric()) && m.value() != null) {
          byRun.put(m.runId(), m.value());
        }
      }
      if (!byRun.isEmpty()) {
        series.put(dimension, byRun);
      }
    }
    return ReportCharts.overRuns("chart-diversity-runs", "Sample diversity over runs (normalised entropy)",
        "Normalised entropy", model.charts().historyRuns(), series);
  }

  /** Measures shown in the diversity table, with their column titles. */
  private static final Map<String, String> DIVERSITY_MEASURES = ReportModel.linked(
      "distinct", "Distinct",
      "normalized_entropy", "Norm. entropy",
      "entropy", "Entropy (bits)",
      "gini", "Gini",
      "hhi", "HHI",
      "top1_share", "Top-1 share",
      "top5_share", "Top-5 share",
      "coverage", "Coverage");

  /** The diversity table and extra figures of the corpus and the sample. */
  Map<String, Object> diversity() {
    Map<String, Object> section = new LinkedHashMap<>();
    List<Map<String, Object>> rows = new ArrayList<>();
    Map<String, Double> whole = new LinkedHashMap<>();
    for (MetricRow m : model.data().metrics()) {
      if (m.report().startsWith("diversity_") && m.wholeRun() && m.value() != null) {
        whole.put(m.report() + "/" + m.metric(), m.value());
      }
    }
    for (String dimension : DiversityMetrics.DIMENSIONS) {
      for (String report : List.of(DiversityMetrics.CORPUS, DiversityMetrics.SAMPLE)) {
        if (!whole.containsKey(report + "/" + dimension + "_distinct")) {
          continue;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("dimension", dimension);
        row.put("population", report.endsWith("corpus") ? "corpus" : "sample");
        List<String> cells = new ArrayList<>();
        DIVERSITY_MEASURES.keySet().forEach(measure -> {
          Double v = whole.get(report + "/" + dimension + "_" + measure);
          cells.add(v == null ? "–" : measure.equals("distinct") ? Formats.count(v)
              : measure.endsWith("share") || measure.equals("coverage") ? Formats.percent(v) : Formats.decimal(v, 3));
        });
        row.put("cells", cells);
        rows.add(row);
      }
    }
    section.put("available", !rows.isEmpty());
    section.put("headers", new ArrayList<>(DIVERSITY_MEASURES.values()));
    section.put("rows", rows);
    List<Map<String, Object>> extra = new ArrayList<>();
    String corpus = DiversityMetrics.CORPUS;
    String sample = DiversityMetrics.SAMPLE;
    addFigure(extra, "Items from the top 1% of creators (corpus)", whole.get(corpus + "/creator_top_share_items"), true);
    addFigure(extra, "Views from the top 1% of creators (corpus)", whole.get(corpus + "/creator_top_share_views"), true);
    addFigure(extra, "Near-duplicate rate (corpus)", whole.get(corpus + "/near_duplicate_rate"), true);
    addFigure(extra, "Near-duplicate rate (sample)", whole.get(sample + "/near_duplicate_rate"), true);
    addFigure(extra, "Mean pairwise cosine distance (sample, MiniLM)", whole.get(sample + "/semantic_mean_cosine_distance"), false);
    addFigure(extra, "Vendi score (sample, MiniLM; effective number of distinct items)",
        whole.get(sample + "/semantic_vendi_score"), false);
    section.put("figures", extra);
    return section;
  }

  private static void addFigure(List<Map<String, Object>> list, String label, Double value, boolean share) {
    if (value != null) {
      list.add(ReportModel.linked("label", label, "value", share ? Formats.percent(value) : Formats.decimal(value, 3)));
    }
  }
}
