package io.ecolens.report;

import io.ecolens.gate.RunComparison;
import io.ecolens.metrics.PrevalenceMetrics;
import io.ecolens.score.ScoreStage;
import io.ecolens.tables.MetricRow;
import io.ecolens.train.TrainStage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The HTML template's view of a {@link ReportModel}: maps and lists of display strings for the
 * header, headline cards, prevalence, agreement, review queue, timings, gates and other figures;
 * the charts and diversity come from {@link ChartsView}, the cascade block from {@link CascadeView}.
 */
final class HtmlView {
  private final ReportModel model;

  HtmlView(ReportModel model) {
    this.model = model;
  }

  /** The template's view. */
  Map<String, Object> view() {
    ChartsView charts = new ChartsView(model);
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("runId", model.data().runId());
    view.put("generatedAt", ReportModel.time(model.data().generatedAt()));
    view.put("policyId", model.policy().id());
    view.put("policyVersion", model.policy().version());
    view.put("status", model.status() == null ? Formats.NOT_AVAILABLE : model.status());
    RunRecord run = model.data().run();
    view.put("startedAt", run == null || run.startedAt() == null ? Formats.NOT_AVAILABLE : ReportModel.time(run.startedAt()));
    view.put("finishedAt", run == null || run.finishedAt() == null ? Formats.NOT_AVAILABLE : ReportModel.time(run.finishedAt()));
    view.put("appVersion", run == null || run.appVersion() == null ? Formats.NOT_AVAILABLE : run.appVersion());
    view.put("runError", run == null ? null : run.error());
    view.put("runMissing", run == null);
    view.put("noData", model.data().noData());
    view.put("cards", cards());
    view.put("prevalence", prevalenceView(PrevalenceMetrics.MODEL));
    view.put("humanPrevalence", prevalenceView(PrevalenceMetrics.HUMAN));
    view.put("agreement", agreementView());
    view.put("reviewQueue", reviewQueueView());
    view.put("scoreStatus", countRows(model.data().scoreStatus(), "status"));
    view.put("timings", timingsView());
    view.put("otherMetrics", otherMetricsView());
    view.put("gates", gatesView());
    view.put("viewPrevalence", prevalenceView(PrevalenceMetrics.MODEL + PrevalenceMetrics.BY_VIEWS));
    view.put("sliceWarnings", sliceWarningsView());
    view.put("qualityCards", model.qualityCards());
    view.put("charts", charts.view());
    view.put("diversity", charts.diversity());
    view.put("markdownFile", model.paths().markdown().getFileName().toString());
    view.put("cascade", new CascadeView(model).view());
    view.put("languages", new LanguageView(model).view());
    view.put("uncalibrated", uncalibrated(model));
    view.put("fittedOutsideSample", fittedOutsideSample(model));
    return view;
  }

  /** Most slice warnings listed in the report; the rest are counted (all are in {@code metrics}). */
  private static final int MAX_SLICE_WARNINGS = 30;

  /**
   * Slices with too few items ({@code *low_n_warning} rows of any section), one line per section ×
   * slice with the fewest items over its categories, smallest first.
   */
  Map<String, Object> sliceWarningsView() {
    Map<String, long[]> bySlice = new TreeMap<>(); // "section\0key\0value" -> {fewest items, categories}
    for (MetricRow m : model.data().metrics()) {
      if (m.metric().endsWith("low_n_warning") && m.value() != null && m.value() > 0) {
        long n = m.n() == null ? 0 : m.n();
        bySlice.merge(m.report() + "\u0000" + m.sliceKey() + "\u0000" + m.sliceValue(), new long[] {n, 1},
            (a, b) -> new long[] {Math.min(a[0], b[0]), a[1] + b[1]});
      }
    }
    List<Map.Entry<String, long[]>> sorted = new ArrayList<>(bySlice.entrySet());
    sorted.sort(Map.Entry.<String, long[]>comparingByValue((a, b) -> Long.compare(a[0], b[0]))
        .thenComparing(Map.Entry.comparingByKey()));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map.Entry<String, long[]> e : sorted.subList(0, Math.min(MAX_SLICE_WARNINGS, sorted.size()))) {
      String[] parts = e.getKey().split("\u0000", 3);
      rows.add(ReportModel.linked("section", parts[0], "slice", parts[1] + ": " + parts[2], "n", Formats.count(e.getValue()[0]),
          "categories", Formats.count(e.getValue()[1])));
    }
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !rows.isEmpty());
    section.put("rows", rows);
    section.put("more", sorted.size() > rows.size() ? Formats.count((long) (sorted.size() - rows.size())) : null);
    return section;
  }

  private List<Map<String, Object>> cards() {
    Map<String, Long> counts = model.counts();
    List<Map<String, Object>> cards = new ArrayList<>();
    ReportModel.HEADLINE.forEach((key, label) -> cards.add(ReportModel.card(label, Formats.count(counts.get(key)), counts.containsKey(key), null)));
    Long in = model.inputTokens();
    Long out = model.outputTokens();
    String tokens = in == null && out == null ? null
        : Formats.count(in == null ? 0L : in) + " in / " + Formats.count(out == null ? 0L : out) + " out tokens";
    cards.add(ReportModel.card("Scoring cost", Formats.usd(model.costUsd()), model.costUsd() != null, tokens));
    Double batch = model.scoreFigure("batch_cost_usd");
    if (batch != null) {
      Double online = model.scoreFigure("online_cost_usd");
      cards.add(ReportModel.card("Batch API spend", Formats.usd(batch), true, "online " + Formats.usd(online)
          + "; saved " + Formats.usd(model.scoreFigure("batch_saving_usd")) + " against the online price"));
    }
    return cards;
  }

  private Map<String, Object> prevalenceView(String metric) {
    List<MetricRow> rows = model.prevalenceRows(metric);
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !rows.isEmpty());
    if (rows.isEmpty()) {
      return section;
    }
    double scale = scale(rows.stream().mapToDouble(r -> r.ciHigh() == null ? r.value() : r.ciHigh()).max().orElse(1));
    section.put("scale", Formats.percent(scale));
    section.put("scaleMid", Formats.percent(scale / 2));
    List<Map<String, Object>> categories = new ArrayList<>();
    for (String category : model.categoryOrder(rows.stream().map(MetricRow::category).toList())) {
      MetricRow whole = rows.stream().filter(r -> r.category().equals(category) && r.wholeRun()).findFirst().orElse(null);
      Map<String, Object> row = estimateRow(model.displayName(category), category, whole, scale);
      List<Map<String, Object>> slices = new ArrayList<>();
      rows.stream()
          .filter(r -> r.category().equals(category) && !r.wholeRun())
          .forEach(r -> slices.add(estimateRow(r.sliceKey() + ": " + r.sliceValue(), category, r, scale)));
      row.put("slices", slices);
      categories.add(row);
    }
    section.put("rows", categories);
    return section;
  }

  /** Axis maximum for the interval bars: the largest upper bound, rounded up to 1, 2 or 5 × 10^k. */
  static double scale(double maxHigh) {
    if (!(maxHigh > 0)) {
      return 0.01;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(maxHigh)));
    for (double step : new double[] {1, 2, 5, 10}) {
      if (step * magnitude >= maxHigh - 1e-12) {
        return Math.min(1.0, step * magnitude);
      }
    }
    return 1.0;
  }

  private static Map<String, Object> estimateRow(String label, String categoryId, MetricRow m, double scale) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("label", label);
    row.put("id", categoryId);
    row.put("available", m != null && m.value() != null);
    if (m == null || m.value() == null) {
      return row;
    }
    double low = m.ciLow() == null ? m.value() : m.ciLow();
    double high = m.ciHigh() == null ? m.value() : m.ciHigh();
    row.put("value", Formats.percent(m.value()));
    row.put("ciLow", Formats.percent(low));
    row.put("ciHigh", Formats.percent(high));
    row.put("n", Formats.count(m.n()));
    row.put("barLeft", Formats.decimal(width(low, scale), 2));
    row.put("barWidth", Formats.decimal(Math.max(0.5, width(high, scale) - width(low, scale)), 2));
    row.put("pointLeft", Formats.decimal(width(m.value(), scale), 2));
    return row;
  }

  private static double width(double share, double scale) {
    return Math.max(0, Math.min(100, share / scale * 100));
  }

  /**
   * The categories the embedded judge decided at the policy's hand-set zero-shot threshold (the
   * score stage's {@code uncalibrated_threshold} rows), comma-separated; null when none.
   */
  static String uncalibrated(ReportModel model) {
    List<String> names = new ArrayList<>();
    for (MetricRow m : model.data().metrics()) {
      if ("score".equals(m.report()) && ScoreStage.UNCALIBRATED_THRESHOLD.equals(m.metric())) {
        names.add(model.displayName(m.category()));
      }
    }
    return names.isEmpty() ? null : String.join(", ", names);
  }

  /**
   * How many labelled items outside the sample the in-process judge's heads were fitted on in this run
   * ({@code train}'s {@code trained_items} row with {@code sample = excluded}), formatted; null when
   * they were not fitted in this run that way.
   */
  static String fittedOutsideSample(ReportModel model) {
    for (MetricRow m : model.data().metrics()) {
      if ("train".equals(m.report()) && TrainStage.TRAINED_ITEMS.equals(m.metric()) && "sample".equals(m.sliceKey())
          && "excluded".equals(m.sliceValue())) {
        return Formats.count(m.value());
      }
    }
    return null;
  }

  private Map<String, Object> agreementView() {
    // category -> metric -> row; aggregate figures may also come as e.g. metric "micro_f1" with no category.
    Map<String, Map<String, MetricRow>> byCategory = model.agreementByCategory();
    List<String> withoutFigures = model.categoriesWithoutAgreement(); // shown as "n/a (...)", never as 0
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !byCategory.isEmpty() || !withoutFigures.isEmpty());
    List<Map<String, Object>> rows = new ArrayList<>();
    List<String> order = model.categoryOrder(byCategory.keySet().stream().filter(c -> !ReportModel.isAggregate(c)).toList());
    byCategory.keySet().stream().filter(ReportModel::isAggregate).sorted().forEach(order::add);
    for (String category : order) {
      Map<String, MetricRow> metrics = byCategory.get(category);
      if (metrics == null && withoutFigures.contains(category)) {
        metrics = Map.of();
      }
      if (metrics == null) {
        continue;
      }
      String missing = withoutFigures.contains(category) ? model.noAgreementText() : "–";
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", model.displayName(category));
      row.put("aggregate", ReportModel.isAggregate(category));
      for (String metric : List.of("precision", "recall", "f1")) {
        MetricRow m = metrics.get(metric);
        row.put(metric, m == null ? missing : Formats.percent(m.value()));
        row.put(metric + "Ci", m == null || m.ciLow() == null || m.ciHigh() == null ? null
            : Formats.percent(m.ciLow()) + " – " + Formats.percent(m.ciHigh()));
      }
      for (String metric : List.of("tp", "fp", "fn", "tn")) {
        MetricRow m = metrics.get(metric);
        row.put(metric, m == null ? "–" : Formats.count(m.value()));
      }
      MetricRow human = metrics.get("human_f1"); // the human ceiling: one annotator against the others
      row.put("humanF1", human == null ? "–" : Formats.percent(human.value()));
      rows.add(row);
    }
    section.put("rows", rows);
    return section;
  }

  private Map<String, Object> reviewQueueView() {
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !model.data().reviewQueue().isEmpty());
    List<Map<String, Object>> rows = new ArrayList<>();
    long total = 0;
    for (String category : model.categoryOrder(model.data().reviewQueue().keySet())) {
      Long count = model.data().reviewQueue().get(category);
      if (count != null) {
        total += count;
        rows.add(Map.of("name", model.displayName(category), "count", Formats.count(count)));
      }
    }
    section.put("rows", rows);
    section.put("total", Formats.count(total));
    return section;
  }

  private static Map<String, Object> countRows(Map<String, Long> counts, String keyName) {
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !counts.isEmpty());
    List<Map<String, Object>> rows = new ArrayList<>();
    new TreeSet<>(counts.keySet()).forEach(k -> rows.add(Map.of(keyName, k, "count", Formats.count(counts.get(k)))));
    section.put("rows", rows);
    return section;
  }

  private Map<String, Object> timingsView() {
    Map<String, Double> stages = model.data().run() == null ? Map.of() : model.data().run().stageSeconds();
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !stages.isEmpty());
    double longest = stages.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    double total = stages.values().stream().mapToDouble(Double::doubleValue).sum();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String stage : pipelineOrder(stages.keySet())) {
      double seconds = stages.get(stage);
      rows.add(Map.of("stage", stage, "seconds", Formats.seconds(seconds),
          "barWidth", Formats.decimal(longest > 0 ? seconds / longest * 100 : 0, 2)));
    }
    section.put("rows", rows);
    section.put("total", Formats.seconds(total));
    return section;
  }

  private static List<String> pipelineOrder(Set<String> stages) {
    List<String> order = new ArrayList<>();
    for (String stage : List.of("generate", "ingest", "sample", "score", "evaluate", "metrics", "gates", "report")) {
      if (stages.contains(stage)) {
        order.add(stage);
      }
    }
    new TreeSet<>(stages).stream().filter(s -> !order.contains(s)).forEach(order::add);
    return order;
  }

  private List<Map<String, Object>> otherMetricsView() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (MetricRow m : model.data().metrics()) {
      if (PrevalenceMetrics.REPORT.equals(m.report()) || RunComparison.REPORT.equals(m.report())) {
        continue;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("report", m.report());
      row.put("metric", m.metric());
      row.put("category", m.category().isEmpty() ? "–" : model.displayName(m.category()));
      row.put("slice", m.wholeRun() ? "all" : m.sliceKey() + ": " + m.sliceValue());
      row.put("value", m.value() == null ? Formats.NOT_AVAILABLE : Formats.decimal(m.value(), 4));
      row.put("ci", m.ciLow() == null || m.ciHigh() == null ? ""
          : Formats.decimal(m.ciLow(), 4) + " – " + Formats.decimal(m.ciHigh(), 4));
      row.put("n", m.n() == null ? "" : Formats.count(m.n()));
      rows.add(row);
    }
    rows.sort((a, b) -> (a.get("report") + "/" + a.get("metric")).compareTo(b.get("report") + "/" + b.get("metric")));
    return rows;
  }

  // ---------------------------------------------------------------- quality gates

  /** The gates block: one row per configured gate, failed ones flagged. */
  private Map<String, Object> gatesView() {
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !model.gates().isEmpty());
    long failed = model.gates().stream().filter(GateOutcome::failed).count();
    section.put("failed", failed > 0);
    long noData = model.gates().stream().filter(g -> GateOutcome.NO_DATA.equals(g.status())).count();
    section.put("summary", (failed == 0 ? "all " + model.gates().size() + " gates passed"
        : failed + " of " + model.gates().size() + " gates failed")
        + (noData == 0 ? "" : ", " + noData + " for lack of data (no_data), not a change in quality"));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (GateOutcome r : model.gates()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("gate", r.gate());
      row.put("status", r.status());
      row.put("failed", r.failed());
      row.put("baselineRun", r.baselineRun() == null ? "–" : r.baselineRun());
      row.put("baseline", r.baselineValue() == null ? "–" : Formats.decimal(r.baselineValue(), 4));
      row.put("current", r.currentValue() == null ? "–" : Formats.decimal(r.currentValue(), 4));
      row.put("delta", r.delta() == null ? "–" : (r.delta() >= 0 ? "+" : "") + Formats.decimal(r.delta(), 4));
      row.put("pValue", r.pValue() == null ? "–" : String.format(Locale.ROOT, "%.3g", r.pValue()));
      row.put("message", r.message());
      rows.add(row);
    }
    section.put("rows", rows);
    return section;
  }
}
