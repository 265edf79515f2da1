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

  /** Where the report's files are. */
  record Paths(Path reportDir, Path html, Path summary) {}

  ReportModel(ReportData data, Policy policy, Paths paths) {
    this(data, policy, paths, List.of());
  }

  /** With the outcome of the run's quality gates (empty when none are configured). */
  ReportModel(ReportData data, Policy policy, Paths paths, List<GateResult> gates) {
    this.data = data;
    this.policy = policy;
    this.paths = paths;
    this.gates = List.copyOf(gates);
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

  String status() {
    return data.run() != null && data.run().status() != null ? data.run().status() : null;
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

  // ---------------------------------------------------------------- summary.json

  /** The summary.json document (raw numbers, snake_case keys). */
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
        "summary", paths.summary().toString()));
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
}
