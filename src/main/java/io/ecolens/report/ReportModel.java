package io.ecolens.report;

import io.ecolens.diversity.DiversityMetrics;
import io.ecolens.metrics.PrevalenceMetrics;
import io.ecolens.policy.Policy;
import io.ecolens.tables.MetricRow;
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
 * The figures of one run's report, taken once from what the report stage read ({@link ReportData},
 * {@link ChartData}, the gates' outcome): headline counts, cost, status, category names and order,
 * agreement and quality figures, and the changes since the previous run. Pure: no Spark, no files.
 * {@link HtmlView}, {@link SummaryJson} and {@link SummaryMarkdown} turn it into the three files.
 *
 * <p>Headline counts come, highest precedence first, from the {@code runs} row's counts, the
 * ingest/sample/score sections of {@code metrics}, then the tables themselves.
 */
final class ReportModel {
  /** Headline counts, in display order, with their labels. */
  static final Map<String, String> HEADLINE = linked(
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
  private final List<GateOutcome> gates;
  private final ChartData charts;

  /** Where the report's files are. */
  record Paths(Path reportDir, Path html, Path summary) {
    /** The short Markdown summary, next to summary.json. */
    Path markdown() {
      return reportDir.resolve("summary.md");
    }
  }

  /** Without gates and chart inputs. */
  ReportModel(ReportData data, Policy policy, Paths paths) {
    this(data, policy, paths, List.of(), ChartData.empty());
  }

  /** With the gates' outcome and the figures the charts draw. */
  ReportModel(ReportData data, Policy policy, Paths paths, List<GateOutcome> gates, ChartData charts) {
    this.data = data;
    this.policy = policy;
    this.paths = paths;
    this.gates = List.copyOf(gates);
    this.charts = charts == null ? ChartData.empty() : charts;
  }

  ReportData data() {
    return data;
  }

  Policy policy() {
    return policy;
  }

  Paths paths() {
    return paths;
  }

  /** The outcome of the run's gates, in config order (empty when none were checked). */
  List<GateOutcome> gates() {
    return gates;
  }

  ChartData charts() {
    return charts;
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

  /** A whole-run figure of the score stage's metrics (e.g. batch_cost_usd), or null when the run has none. */
  Double scoreFigure(String metric) {
    return data.metrics().stream().filter(m -> "score".equals(m.report()) && metric.equals(m.metric())
        && m.category().isEmpty() && m.wholeRun()).map(MetricRow::value).findFirst().orElse(null);
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

  static boolean isAggregate(String categoryId) {
    String id = categoryId.toLowerCase(Locale.ROOT);
    return id.contains("micro") || id.contains("macro");
  }

  /** Policy categories in policy order, then any other category found in the rows. */
  List<String> categoryOrder(Iterable<String> found) {
    Set<String> order = new LinkedHashSet<>();
    policy.categories().forEach(c -> order.add(c.id()));
    Set<String> extra = new TreeSet<>();
    found.forEach(extra::add);
    order.addAll(extra);
    return new ArrayList<>(order);
  }

  List<MetricRow> prevalenceRows(String metric) {
    return data.metrics().stream()
        .filter(m -> PrevalenceMetrics.REPORT.equals(m.report()) && metric.equals(m.metric()))
        .toList();
  }


  static Map<String, Object> card(String label, String value, boolean available, String note) {
    Map<String, Object> card = new LinkedHashMap<>();
    card.put("label", label);
    card.put("value", value);
    card.put("missing", !available);
    card.put("note", note);
    return card;
  }

  /**
   * What a category's agreement cells show when the run wrote no figures for it: no item was scored
   * usably, or none of its scored items has a human label.
   */
  String noAgreementText() {
    return data.noData() != null ? "n/a (no scored items)" : "n/a (no labelled items)";
  }

  /**
   * Policy categories with no agreement figures (no f1) although the run has some figures or none
   * for lack of scored items: shown as "n/a", never as 0.
   */
  List<String> categoriesWithoutAgreement() {
    Map<String, Map<String, MetricRow>> byCategory = agreementByCategory();
    boolean evaluated = byCategory.values().stream().anyMatch(m -> m.containsKey("f1"));
    if (!evaluated && data.noData() == null) {
      return List.of();
    }
    List<String> missing = new ArrayList<>();
    for (Policy.Category c : policy.categories()) {
      Map<String, MetricRow> metrics = byCategory.get(c.id());
      if (metrics == null || !metrics.containsKey("f1")) {
        missing.add(c.id());
      }
    }
    return missing;
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
  // ---------------------------------------------------------------- quality cards, charts, diversity

  /** Headline quality figures: prevalence, agreement vs the human ceiling, review queue, errors, cost. */
  List<Map<String, Object>> qualityCards() {
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
    if (DiversityMetrics.SAMPLE.equals(m.report()) && m.metric().endsWith("_normalized_entropy")) {
      return "Normalised entropy of the sample's " + m.metric().substring(0, m.metric().indexOf('_'));
    }
    return null;
  }


  @SuppressWarnings("unchecked")
  static <V> Map<String, V> linked(Object... keysAndValues) {
    Map<String, V> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], (V) keysAndValues[i + 1]);
    }
    return map;
  }

  static String time(Instant instant) {
    return TIME.format(instant);
  }

}
