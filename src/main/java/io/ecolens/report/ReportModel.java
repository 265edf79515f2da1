package io.ecolens.report;

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

  /** Where the report's files are. */
  record Paths(Path reportDir, Path html, Path summary) {}

  ReportModel(ReportData data, Policy policy, Paths paths) {
    this.data = data;
    this.policy = policy;
    this.paths = paths;
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
    view.put("cascade", cascadeView());
    return view;
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
      if (PrevalenceMetrics.REPORT.equals(m.report())) {
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
