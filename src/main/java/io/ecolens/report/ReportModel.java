package io.ecolens.report;

import io.ecolens.gate.GateResult;
import io.ecolens.gate.RunComparison;
import io.ecolens.policy.Policy;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns {@link ReportData} into the HTML template's view (maps and lists of display strings) and
 * into the summary.json document. Pure: no Spark, no files.
 *
 * <p>Headline counts come, highest precedence first, from the {@code runs} row's counts, the
 * ingest/sample/score sections of {@code metrics}, then the tables themselves.
 */
final class ReportModel {
  /** Headline counts, in display order, with their labels. */
  private static final Map<String, String> HEADLINE = linked(
      "read", "Items read",
      "accepted", "Accepted",
      "quarantined", "Quarantined",
      "duplicates", "Duplicates dropped",
      "sampled", "Sampled",
      "scored", "Scored",
      "errors", "Scoring errors");
  private static final Set<String> COUNT_SECTIONS = Set.of("ingest", "sample", "score");
  private static final String AGREEMENT = "agreement";
  private static final List<String> AGREEMENT_METRICS = List.of("precision", "recall", "f1", "tp", "fp", "fn", "tn", "human_f1");
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final ReportData data;
  private final Policy policy;
  private final Paths paths;
  private final List<GateResult> gates;
  private final ChartData charts;

  /** Where the report's files are. */
  record Paths(Path reportDir, Path html, Path summary) {
    /** The short Markdown summary, next to summary.json. */
    Path markdown() {
      return reportDir.resolve("summary.md");
    }
  }

  ReportModel(ReportData data, Policy policy, Paths paths) {
    this(data, policy, paths, List.of(), ChartData.empty());
  }

  /** With the outcome of the run's quality gates (empty when none are configured). */
  ReportModel(ReportData data, Policy policy, Paths paths, List<GateResult> gates) {
    this(data, policy, paths, gates, ChartData.empty());
  }

  ReportModel(ReportData data, Policy policy, Paths paths, ChartData charts) {
    this(data, policy, paths, List.of(), charts);
  }

  /** With the gates' outcome and the figures the charts draw. */
  ReportModel(ReportData data, Policy policy, Paths paths, List<GateResult> gates, ChartData charts) {
    this.data = data;
    this.policy = policy;
    this.paths = paths;
    this.gates = List.copyOf(gates);
    this.charts = charts == null ? ChartData.empty() : charts;
  }

  /** Headline counts after precedence; keys missing everywhere are absent. */
  Map<String, Long> counts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String key : HEADLINE.keySet()) {
      Long value = data.tableCounts().get(key);
      for (MetricRow m : data.metrics()) {
        if (COUNT_SECTIONS.contains(m.report()) && key.equals(m.metric()) && m.category().isEmpty()
            && m.wholeRun() && m.value() != null) {
          value = Math.round(m.value());
        }
      }
      if (data.run() != null && data.run().counts().containsKey(key)) {
        value = data.run().counts().get(key);
      }
      if (value != null) {
        counts.put(key, value);
      }
    }
    return counts;
  }

  /** Scoring cost: the runs row's, else the sum over the run's scores. */
  Double costUsd() {
    return data.run() != null && data.run().costUsd() != null ? data.run().costUsd() : data.scoreCostUsd();
  }

  Long inputTokens() {
    return data.run() != null && data.run().inputTokens() != null ? data.run().inputTokens() : data.scoreInputTokens();
  }

  Long outputTokens() {
    return data.run() != null && data.run().outputTokens() != null ? data.run().outputTokens() : data.scoreOutputTokens();
  }

  /**
   * The run's status as the report can tell it. The report stage itself marks the run "running"
   * while it writes these files, so a run that is "running" with no error and whose scoring has
   * finished is shown as "succeeded": every stage before the report succeeded, and writing this
   * report is its last step. Anything else is shown as the {@code runs} row says.
   */
  String status() {
    RunRecord run = data.run();
    if (run == null || run.status() == null) {
      return null;
    }
    if ("running".equals(run.status()) && run.error() == null && run.stageSeconds().containsKey("score")) {
      return "succeeded";
    }
    return run.status();
  }

  /** The category's display name from the policy; aggregates and unknown ids get a readable label. */
  String displayName(String categoryId) {
    Policy.Category category = policy.category(categoryId);
    if (category != null && category.name() != null) {
      return category.name();
    }
    if (isAggregate(categoryId)) {
      return categoryId.toLowerCase(Locale.ROOT).contains("micro") ? "Micro average" : "Macro average";
    }
    return categoryId.isEmpty() ? "All categories" : categoryId;
  }

  private static boolean isAggregate(String categoryId) {
    String id = categoryId.toLowerCase(Locale.ROOT);
    return id.contains("micro") || id.contains("macro");
  }

  /** Policy categories in policy order, then any other category found in the rows. */
  private List<String> categoryOrder(Iterable<String> found) {
    Set<String> order = new LinkedHashSet<>();
    policy.categories().forEach(c -> order.add(c.id()));
    Set<String> extra = new TreeSet<>();
    found.forEach(extra::add);
    order.addAll(extra);
    return new ArrayList<>(order);
  }

  private List<MetricRow> prevalenceRows(String metric) {
    return data.metrics().stream()
        .filter(m -> PrevalenceMetrics.REPORT.equals(m.report()) && metric.equals(m.metric()))
        .toList();
  }

  // ---------------------------------------------------------------- HTML view

  /** The template's view. */
  Map<String, Object> view() {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("runId", data.runId());
    view.put("generatedAt", TIME.format(data.generatedAt()));
    view.put("policyId", policy.id());
    view.put("policyVersion", policy.version());
    view.put("status", status() == null ? Formats.NOT_AVAILABLE : status());
    RunRecord run = data.run();
    view.put("startedAt", run == null || run.startedAt() == null ? Formats.NOT_AVAILABLE : TIME.format(run.startedAt()));
    view.put("finishedAt", run == null || run.finishedAt() == null ? Formats.NOT_AVAILABLE : TIME.format(run.finishedAt()));
    view.put("appVersion", run == null || run.appVersion() == null ? Formats.NOT_AVAILABLE : run.appVersion());
    view.put("runError", run == null ? null : run.error());
    view.put("runMissing", run == null);
    view.put("cards", cards());
    view.put("prevalence", prevalenceView(PrevalenceMetrics.MODEL));
    view.put("humanPrevalence", prevalenceView(PrevalenceMetrics.HUMAN));
    view.put("agreement", agreementView());
    view.put("reviewQueue", reviewQueueView());
    view.put("scoreStatus", countRows(data.scoreStatus(), "status"));
    view.put("timings", timingsView());
    view.put("otherMetrics", otherMetricsView());
    view.put("gates", gatesView());
    view.put("viewPrevalence", prevalenceView(PrevalenceMetrics.MODEL + PrevalenceMetrics.BY_VIEWS));
    view.put("sliceWarnings", sliceWarningsView());
    view.put("qualityCards", qualityCards());
    view.put("charts", chartsView());
    view.put("diversity", diversityView());
    view.put("markdownFile", paths.markdown().getFileName().toString());
    view.put("cascade", cascadeView());
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
    for (MetricRow m : data.metrics()) {
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
      rows.add(linked("section", parts[0], "slice", parts[1] + ": " + parts[2], "n", Formats.count(e.getValue()[0]),
          "categories", Formats.count(e.getValue()[1])));
    }
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !rows.isEmpty());
    section.put("rows", rows);
    section.put("more", sorted.size() > rows.size() ? Formats.count((long) (sorted.size() - rows.size())) : null);
    return section;
  }

  private List<Map<String, Object>> cards() {
    Map<String, Long> counts = counts();
    List<Map<String, Object>> cards = new ArrayList<>();
    HEADLINE.forEach((key, label) -> cards.add(card(label, Formats.count(counts.get(key)), counts.containsKey(key), null)));
    Long in = inputTokens();
    Long out = outputTokens();
    String tokens = in == null && out == null ? null
        : Formats.count(in == null ? 0L : in) + " in / " + Formats.count(out == null ? 0L : out) + " out tokens";
    cards.add(card("Scoring cost", Formats.usd(costUsd()), costUsd() != null, tokens));
    return cards;
  }

  private static Map<String, Object> card(String label, String value, boolean available, String note) {
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("label", label);
    card.put("value", value);
    card.put("missing", !available);
    card.put("note", note);
    return card;
  }

  private Map<String, Object> prevalenceView(String metric) {
    List<MetricRow> rows = prevalenceRows(metric);
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !rows.isEmpty());
    if (rows.isEmpty()) {
      return section;
    }
    double scale = scale(rows.stream().mapToDouble(r -> r.ciHigh() == null ? r.value() : r.ciHigh()).max().orElse(1));
    section.put("scale", Formats.percent(scale));
    section.put("scaleMid", Formats.percent(scale / 2));
    List<Map<String, Object>> categories = new ArrayList<>();
    for (String category : categoryOrder(rows.stream().map(MetricRow::category).toList())) {
      MetricRow whole = rows.stream().filter(r -> r.category().equals(category) && r.wholeRun()).findFirst().orElse(null);
      Map<String, Object> row = estimateRow(displayName(category), category, whole, scale);
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

  private Map<String, Object> agreementView() {
    // category -> metric -> row; aggregate figures may also come as e.g. metric "micro_f1" with no category.
    Map<String, Map<String, MetricRow>> byCategory = agreementByCategory();
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !byCategory.isEmpty());
    List<Map<String, Object>> rows = new ArrayList<>();
    List<String> order = categoryOrder(byCategory.keySet().stream().filter(c -> !isAggregate(c)).toList());
    byCategory.keySet().stream().filter(ReportModel::isAggregate).sorted().forEach(order::add);
    for (String category : order) {
      Map<String, MetricRow> metrics = byCategory.get(category);
      if (metrics == null) {
        continue;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", displayName(category));
      row.put("aggregate", isAggregate(category));
      for (String metric : List.of("precision", "recall", "f1")) {
        MetricRow m = metrics.get(metric);
        row.put(metric, m == null ? "–" : Formats.percent(m.value()));
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

  /** Whole-run agreement figures by category and metric. */
  Map<String, Map<String, MetricRow>> agreementByCategory() {
    Map<String, Map<String, MetricRow>> byCategory = new LinkedHashMap<>();
    for (MetricRow m : data.metrics()) {
      if (!AGREEMENT.equals(m.report()) || !m.wholeRun()) {
        continue;
      }
      String category = m.category();
      String metric = m.metric();
      if (category.isEmpty()) {
        int underscore = metric.indexOf('_');
        if (underscore < 0 || !isAggregate(metric.substring(0, underscore))) {
          continue;
        }
        category = metric.substring(0, underscore);
        metric = metric.substring(underscore + 1);
      }
      if (AGREEMENT_METRICS.contains(metric)) {
        byCategory.computeIfAbsent(category, k -> new LinkedHashMap<>()).put(metric, m);
      }
    }
    return byCategory;
  }

  private Map<String, Object> reviewQueueView() {
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !data.reviewQueue().isEmpty());
    List<Map<String, Object>> rows = new ArrayList<>();
    long total = 0;
    for (String category : categoryOrder(data.reviewQueue().keySet())) {
      Long count = data.reviewQueue().get(category);
      if (count != null) {
        total += count;
        rows.add(Map.of("name", displayName(category), "count", Formats.count(count)));
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
    Map<String, Double> stages = data.run() == null ? Map.of() : data.run().stageSeconds();
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
    for (String stage : List.of("generate", "ingest", "sample", "score", "evaluate", "report")) {
      if (stages.contains(stage)) {
        order.add(stage);
      }
    }
    new TreeSet<>(stages).stream().filter(s -> !order.contains(s)).forEach(order::add);
    return order;
  }

  private List<Map<String, Object>> otherMetricsView() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (MetricRow m : data.metrics()) {
      if (PrevalenceMetrics.REPORT.equals(m.report()) || RunComparison.REPORT.equals(m.report())) {
        continue;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("report", m.report());
      row.put("metric", m.metric());
      row.put("category", m.category().isEmpty() ? "–" : displayName(m.category()));
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

  // ---------------------------------------------------------------- quality cards, charts, diversity

  /** Headline quality figures: prevalence, agreement vs the human ceiling, review queue, errors, cost. */
  private List<Map<String, Object>> qualityCards() {
    List<Map<String, Object>> cards = new ArrayList<>();
    MetricRow top = prevalenceRows(PrevalenceMetrics.MODEL).stream()
        .filter(m -> m.wholeRun() && m.value() != null)
        .max(java.util.Comparator.comparingDouble(MetricRow::value)).orElse(null);
    cards.add(card("Highest prevalence", top == null ? Formats.NOT_AVAILABLE : Formats.percent(top.value()), top != null,
        top == null ? null : displayName(top.category()) + ", 95% CI " + Formats.percent(top.ciLow()) + " – "
            + Formats.percent(top.ciHigh())));
    Double modelF1 = macroF1();
    Double humanF1 = humanCeiling();
    cards.add(card("Agreement (macro F1)", modelF1 == null ? Formats.NOT_AVAILABLE : Formats.percent(modelF1),
        modelF1 != null, humanF1 == null ? null : "human ceiling " + Formats.percent(humanF1)));
    long queue = data.reviewQueue().values().stream().mapToLong(Long::longValue).sum();
    cards.add(card("Review queue", Formats.count(queue), !data.reviewQueue().isEmpty(), "items × categories to re-review"));
    Long errors = counts().get("errors");
    long rows = data.scoreStatus().values().stream().mapToLong(Long::longValue).sum();
    cards.add(card("Scoring errors", Formats.count(errors), errors != null,
        rows == 0 || errors == null ? null : Formats.percent((double) errors / rows) + " of score rows"));
    Per1000 per = per1000();
    cards.add(card("Cost per 1,000 items", per == null ? Formats.NOT_AVAILABLE : Formats.usd(per.costUsd()), per != null,
        per == null ? null : Formats.count(Math.round(per.tokens())) + " tokens per 1,000 items"));
    return cards;
  }

  /** Cost and tokens per 1,000 scored items. */
  record Per1000(double costUsd, double tokens) {}

  Per1000 per1000() {
    Long scored = counts().get("scored");
    if (scored == null || scored == 0) {
      return null;
    }
    double cost = costUsd() == null ? 0 : costUsd();
    long tokens = (inputTokens() == null ? 0 : inputTokens()) + (outputTokens() == null ? 0 : outputTokens());
    return new Per1000(cost / scored * 1000, (double) tokens / scored * 1000);
  }

  /** Macro-average model F1, from the agreement section. */
  Double macroF1() {
    Map<String, MetricRow> macro = agreementByCategory().get("macro");
    MetricRow f1 = macro == null ? null : macro.get("f1");
    return f1 == null ? null : f1.value();
  }

  /** Mean over categories of the human ceiling F1 (one annotator against the others). */
  Double humanCeiling() {
    double sum = 0;
    int n = 0;
    for (Map<String, MetricRow> metrics : agreementByCategory().values()) {
      MetricRow h = metrics.get("human_f1");
      if (h != null && h.value() != null) {
        sum += h.value();
        n++;
      }
    }
    return n == 0 ? null : sum / n;
  }

  private Map<String, Object> chartsView() {
    List<Map<String, Object>> list = new ArrayList<>();
    String prevalence = prevalenceChart();
    if (prevalence != null) {
      // a bar per category and format: too many for a grid cell, so it gets the whole row
      list.add(linked("title", "Prevalence by slice", "svg", prevalence, "wide", true,
          "note", "Model-label prevalence with its 95% interval, whole run and per content format."));
    }
    addChart(list, "Precision and recall", ReportCharts.precisionRecall("chart-pr", prCurves()),
        "From the evaluate stage's threshold sweep (score ≥ t counts as violating).");
    addChart(list, "Score distribution", ReportCharts.scoreDistribution("chart-scores", namedBins()),
        "Share of the run's scored items per score bin of width 1/" + ChartData.BINS + ".");
    addChart(list, "Diversity over runs", diversityOverRuns(),
        "Normalised entropy (1 = evenly spread) of the sample per dimension, this run and up to 19 earlier ones.");
    List<Map<String, Object>> heatmaps = new ArrayList<>();
    Map<String, Map<String, MetricRow>> agreement = agreementByCategory();
    for (String category : categoryOrder(agreement.keySet().stream().filter(c -> !isAggregate(c)).toList())) {
      Map<String, MetricRow> m = agreement.get(category);
      if (m == null || !m.keySet().containsAll(List.of("tp", "fp", "fn", "tn"))) {
        continue;
      }
      String svg = ReportCharts.confusion(ReportCharts.id("confusion", category), displayName(category),
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
      list.add(linked("title", title, "svg", svg, "note", note, "wide", false));
    }
  }

  private String prevalenceChart() {
    List<MetricRow> rows = prevalenceRows(PrevalenceMetrics.MODEL);
    List<ReportCharts.Interval> intervals = new ArrayList<>();
    Set<String> series = new LinkedHashSet<>();
    series.add("all");
    List<String> labels = new ArrayList<>();
    for (String category : categoryOrder(rows.stream().map(MetricRow::category).toList())) {
      for (MetricRow m : rows) {
        if (!m.category().equals(category) || m.value() == null) {
          continue;
        }
        String name = displayName(category);
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
    for (MetricRow m : data.metrics()) {
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
    for (String category : categoryOrder(byCategory.keySet())) {
      Map<String, double[]> points = byCategory.get(category);
      if (points != null) {
        curves.put(displayName(category), points.values().stream()
            .filter(p -> !Double.isNaN(p[0]) && !Double.isNaN(p[1])).toList());
      }
    }
    return curves;
  }

  private Map<String, long[]> namedBins() {
    Map<String, long[]> named = new LinkedHashMap<>();
    for (String category : categoryOrder(charts.scoreBins().keySet())) {
      long[] bins = charts.scoreBins().get(category);
      if (bins != null) {
        named.put(displayName(category), bins);
      }
    }
    return named;
  }

  private String diversityOverRuns() {
    Map<String, Map<String, Double>> series = new LinkedHashMap<>();
    for (String dimension : io.ecolens.diversity.DiversityMetrics.DIMENSIONS) {
      Map<String, Double> byRun = new LinkedHashMap<>();
      for (MetricRow m : charts.history()) {
        if (io.ecolens.diversity.DiversityMetrics.SAMPLE.equals(m.report())
            && (dimension + "_normalized_entropy").equals(m.metric()) && m.value() != null) {
          byRun.put(m.runId(), m.value());
        }
      }
      if (!byRun.isEmpty()) {
        series.put(dimension, byRun);
      }
    }
    return ReportCharts.overRuns("chart-diversity-runs", "Sample diversity over runs (normalised entropy)",
        "Normalised entropy", charts.historyRuns(), series);
  }

  /** Measures shown in the diversity table, with their column titles. */
  private static final Map<String, String> DIVERSITY_MEASURES = linked(
      "distinct", "Distinct",
      "normalized_entropy", "Norm. entropy",
      "entropy", "Entropy (bits)",
      "gini", "Gini",
      "hhi", "HHI",
      "top1_share", "Top-1 share",
      "top5_share", "Top-5 share",
      "coverage", "Coverage");

  private Map<String, Object> diversityView() {
    Map<String, Object> section = new LinkedHashMap<>();
    List<Map<String, Object>> rows = new ArrayList<>();
    Map<String, Double> whole = new LinkedHashMap<>();
    for (MetricRow m : data.metrics()) {
      if (m.report().startsWith("diversity_") && m.wholeRun() && m.value() != null) {
        whole.put(m.report() + "/" + m.metric(), m.value());
      }
    }
    for (String dimension : io.ecolens.diversity.DiversityMetrics.DIMENSIONS) {
      for (String report : List.of(io.ecolens.diversity.DiversityMetrics.CORPUS, io.ecolens.diversity.DiversityMetrics.SAMPLE)) {
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
    String corpus = io.ecolens.diversity.DiversityMetrics.CORPUS;
    String sample = io.ecolens.diversity.DiversityMetrics.SAMPLE;
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
      list.add(linked("label", label, "value", share ? Formats.percent(value) : Formats.decimal(value, 3)));
    }
  }

  // ---------------------------------------------------------------- summary.md

  /** A short Markdown summary for chat or email: headline numbers, top changes, the report's path. */
  String markdown() {
    StringBuilder md = new StringBuilder();
    String status = status();
    md.append("**ecolens run ").append(data.runId()).append("** · ").append(status == null ? "status not available" : status)
        .append(" · policy ").append(policy.id()).append(" v").append(policy.version()).append("\n\n");
    Map<String, Long> counts = counts();
    md.append("- Items: ").append(Formats.count(counts.get("read"))).append(" read, ")
        .append(Formats.count(counts.get("sampled"))).append(" sampled, ")
        .append(Formats.count(counts.get("scored"))).append(" scored, ")
        .append(Formats.count(counts.get("errors"))).append(" scoring errors\n");
    for (Map<String, Object> card : qualityCards()) {
      md.append("- ").append(card.get("label")).append(": ").append(card.get("value"));
      if (card.get("note") != null) {
        md.append(" (").append(card.get("note")).append(")");
      }
      md.append("\n");
    }
    List<String> changes = topChanges(5);
    md.append("\n");
    if (changes.isEmpty()) {
      md.append("No earlier run to compare with.\n");
    } else {
      md.append("Top changes since run ").append(previousRun()).append(":\n");
      changes.forEach(c -> md.append("- ").append(c).append("\n"));
    }
    md.append("\nReport: ").append(paths.html()).append("\n");
    return md.toString();
  }

  /** The run just before this one in the history, or null. */
  String previousRun() {
    List<String> runs = charts.historyRuns();
    int i = runs.indexOf(data.runId());
    return i > 0 ? runs.get(i - 1) : null;
  }

  /**
   * The largest moves since the previous run, as sentences: prevalence and F1 per category and the
   * sample's normalised entropy per dimension, ranked by absolute change.
   */
  List<String> topChanges(int limit) {
    String previous = previousRun();
    if (previous == null) {
      return List.of();
    }
    Map<String, Double> before = new LinkedHashMap<>();
    Map<String, Double> now = new LinkedHashMap<>();
    for (MetricRow m : charts.history()) {
      String key = changeKey(m);
      if (key == null || m.value() == null) {
        continue;
      }
      if (m.runId().equals(previous)) {
        before.put(key, m.value());
      } else if (m.runId().equals(data.runId())) {
        now.put(key, m.value());
      }
    }
    List<Map.Entry<String, double[]>> moves = new ArrayList<>();
    now.forEach((key, value) -> {
      Double old = before.get(key);
      if (old != null && Math.abs(value - old) > 1e-12) {
        moves.add(Map.entry(key, new double[] {old, value}));
      }
    });
    moves.sort((a, b) -> Double.compare(Math.abs(b.getValue()[1] - b.getValue()[0]), Math.abs(a.getValue()[1] - a.getValue()[0])));
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, double[]> move : moves.subList(0, Math.min(limit, moves.size()))) {
      double[] v = move.getValue();
      boolean share = !move.getKey().startsWith("Normalised entropy");
      out.add(move.getKey() + ": " + (share ? Formats.percent(v[0]) : Formats.decimal(v[0], 3)) + " → "
          + (share ? Formats.percent(v[1]) : Formats.decimal(v[1], 3)));
    }
    return out;
  }

  private String changeKey(MetricRow m) {
    if (PrevalenceMetrics.REPORT.equals(m.report()) && PrevalenceMetrics.MODEL.equals(m.metric())) {
      return "Prevalence of " + displayName(m.category());
    }
    if (AGREEMENT.equals(m.report()) && "f1".equals(m.metric()) && !m.category().isEmpty()) {
      return "F1 of " + displayName(m.category());
    }
    if (io.ecolens.diversity.DiversityMetrics.SAMPLE.equals(m.report()) && m.metric().endsWith("_normalized_entropy")) {
      return "Normalised entropy of the sample's " + m.metric().substring(0, m.metric().indexOf('_'));
    }
    return null;
  }

  // ---------------------------------------------------------------- summary.json

  /** The summary.json document (raw numbers, snake_case keys). */
  @SuppressWarnings("unchecked")
  Map<String, Object> summary() {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("run_id", data.runId());
    summary.put("status", status());
    summary.put("generated_at", data.generatedAt().toString());
    RunRecord run = data.run();
    summary.put("started_at", run == null || run.startedAt() == null ? null : run.startedAt().toString());
    summary.put("finished_at", run == null || run.finishedAt() == null ? null : run.finishedAt().toString());
    summary.put("policy", linked("id", policy.id(), "version", policy.version()));
    summary.put("counts", counts());
    summary.put("score_status", new java.util.TreeMap<>(data.scoreStatus()));
    summary.put("review_queue", new java.util.TreeMap<>(data.reviewQueue()));
    summary.put("cost_usd", costUsd());
    summary.put("input_tokens", inputTokens());
    summary.put("output_tokens", outputTokens());
    summary.put("prevalence", prevalenceSummary(PrevalenceMetrics.MODEL));
    summary.put("human_prevalence", prevalenceSummary(PrevalenceMetrics.HUMAN));
    summary.put("prevalence_by_views", prevalenceSummary(PrevalenceMetrics.MODEL + PrevalenceMetrics.BY_VIEWS));
    Map<String, Object> agreement = new LinkedHashMap<>();
    agreementByCategory().forEach((category, metrics) -> {
      Map<String, Object> figures = new LinkedHashMap<>();
      for (String metric : List.of("precision", "recall", "f1")) {
        MetricRow m = metrics.get(metric);
        if (m != null) {
          figures.put(metric, m.value());
        }
      }
      if (!figures.isEmpty()) {
        agreement.put(category, figures);
      }
    });
    summary.put("agreement", agreement);
    summary.put("gates", gatesSummary());
    summary.put("paths", linked(
        "report_dir", paths.reportDir().toString(),
        "html", paths.html().toString(),
        "summary", paths.summary().toString(),
        "markdown", paths.markdown().toString()));
    summary.put("review_queue_total", data.reviewQueue().values().stream().mapToLong(Long::longValue).sum());
    Per1000 per = per1000();
    summary.put("cost_usd_per_1000_items", per == null ? null : per.costUsd());
    summary.put("tokens_per_1000_items", per == null ? null : per.tokens());
    summary.put("macro_f1", macroF1());
    summary.put("human_ceiling_f1", humanCeiling());
    Map<String, Object> diversity = new java.util.TreeMap<>();
    for (MetricRow m : data.metrics()) {
      if (m.report().startsWith("diversity_") && m.wholeRun() && m.value() != null) {
        ((Map<String, Object>) diversity.computeIfAbsent(m.report().substring("diversity_".length()),
            k -> new java.util.TreeMap<String, Object>())).put(m.metric(), m.value());
      }
    }
    summary.put("diversity", diversity);
    summary.put("previous_run", previousRun());
    summary.put("top_changes", topChanges(5));
    return summary;
  }

  private Map<String, Object> prevalenceSummary(String metric) {
    Map<String, Object> byCategory = new LinkedHashMap<>();
    List<MetricRow> rows = prevalenceRows(metric);
    for (String category : categoryOrder(rows.stream().map(MetricRow::category).toList())) {
      Map<String, Object> entry = null;
      Map<String, Object> byFormat = new LinkedHashMap<>();
      for (MetricRow m : rows) {
        if (!m.category().equals(category)) {
          continue;
        }
        if (m.wholeRun()) {
          entry = estimate(m);
        } else if (PrevalenceMetrics.FORMAT.equals(m.sliceKey())) {
          byFormat.put(m.sliceValue(), estimate(m));
        }
      }
      if (entry != null) {
        entry.put("by_format", byFormat);
        byCategory.put(category, entry);
      }
    }
    return byCategory;
  }

  private static Map<String, Object> estimate(MetricRow m) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("value", m.value());
    e.put("ci_low", m.ciLow());
    e.put("ci_high", m.ciHigh());
    e.put("n", m.n());
    return e;
  }

  @SuppressWarnings("unchecked")
  private static <V> Map<String, V> linked(Object... keysAndValues) {
    Map<String, V> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], (V) keysAndValues[i + 1]);
    }
    return map;
  }

  // ---------------------------------------------------------------- quality gates

  /** The gates block: one row per configured gate, failed ones flagged. */
  private Map<String, Object> gatesView() {
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !gates.isEmpty());
    long failed = gates.stream().filter(GateResult::failed).count();
    section.put("failed", failed > 0);
    section.put("summary", failed == 0 ? "all " + gates.size() + " gates passed"
        : failed + " of " + gates.size() + " gates failed");
    List<Map<String, Object>> rows = new ArrayList<>();
    for (GateResult r : gates) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("gate", r.gate().describe());
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

  private List<Map<String, Object>> gatesSummary() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (GateResult r : gates) {
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("gate", r.gate().describe());
      g.put("status", r.status());
      g.put("baseline_run_id", r.baselineRun());
      g.put("baseline_value", r.baselineValue());
      g.put("current_value", r.currentValue());
      g.put("delta", r.delta());
      g.put("p_value", r.pValue());
      g.put("message", r.message());
      list.add(g);
    }
    return list;
  }

  static String time(Instant instant) {
    return TIME.format(instant);
  }

  // ---------------------------------------------------------------- cascade

  /**
   * The cascade block: what the second step scored against scoring every item alone, and, when a
   * comparison with an LLM-only run over the same sample was recorded, F1 of both against the
   * human labels. Only {@code metrics} rows of reports {@code cascade} and {@code cascade_vs_llm_only}.
   */
  Map<String, Object> cascadeView() {
    Map<String, Double> figures = new LinkedHashMap<>();
    String second = null;
    List<Map<String, Object>> f1 = new ArrayList<>();
    Map<String, String> llmOnly = new LinkedHashMap<>();
    Map<String, Double[]> byCategory = new LinkedHashMap<>();
    for (MetricRow m : data.metrics()) {
      if ("cascade".equals(m.report()) && m.value() != null) {
        figures.put(m.metric(), m.value());
        second = m.sliceValue();
      } else if ("cascade_vs_llm_only".equals(m.report()) && m.value() != null) {
        if (m.metric().equals("f1_cascade") || m.metric().equals("f1_llm_only")) {
          Double[] pair = byCategory.computeIfAbsent(m.category(), k -> new Double[2]);
          pair[m.metric().equals("f1_cascade") ? 0 : 1] = m.value();
        } else {
          llmOnly.put(m.metric(), m.metric().contains("cost") ? Formats.usd(m.value()) : Formats.count(m.value()));
        }
      }
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    if (!figures.isEmpty()) {
      rows.add(cascadeRow("Items decided in this run", Formats.count(figures.get("items"))));
      rows.add(cascadeRow("Sent to " + second + " (escalated)", Formats.count(figures.get("escalated_items"))
          + " (" + Formats.percent(figures.get("escalated_share")) + ")"));
      rows.add(cascadeRow(second + " calls saved vs " + second + " alone", Formats.count(figures.get("calls_saved"))
          + " of " + Formats.count(figures.get("second_only_items"))));
      rows.add(cascadeRow("Escalated items " + second + " could not score (error rows)",
          Formats.count(figures.get("escalated_error_items"))));
      rows.add(cascadeRow(second + " cost", Formats.usd(figures.get("second_cost_usd"))));
      if (figures.containsKey("second_only_cost_usd")) {
        rows.add(cascadeRow(second + " alone, extrapolated", Formats.usd(figures.get("second_only_cost_usd"))));
        rows.add(cascadeRow("Cost saved", Formats.usd(figures.get("cost_saved_usd"))));
      }
      rows.add(cascadeRow("Items reused from earlier runs (no call)", Formats.count(figures.get("cached_items"))));
    }
    for (String category : categoryOrder(byCategory.keySet())) {
      Double[] pair = byCategory.get(category);
      if (pair != null) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", displayName(category));
        row.put("aggregate", isAggregate(category));
        row.put("cascade", pair[0] == null ? Formats.NOT_AVAILABLE : Formats.percent(pair[0]));
        row.put("llmOnly", pair[1] == null ? Formats.NOT_AVAILABLE : Formats.percent(pair[1]));
        f1.add(row);
      }
    }
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !rows.isEmpty());
    section.put("rows", rows);
    section.put("comparison", !f1.isEmpty());
    section.put("f1", f1);
    List<Map<String, Object>> measured = new ArrayList<>();
    llmOnly.forEach((metric, value) -> measured.add(cascadeRow(metric.replace('_', ' '), value)));
    section.put("measured", measured);
    return section;
  }

  private static Map<String, Object> cascadeRow(String label, String value) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("label", label);
    row.put("value", value);
    return row;
  }
}
