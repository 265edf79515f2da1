package io.ecolens.report;

import io.ecolens.metrics.PrevalenceMetrics;
import io.ecolens.tables.MetricRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** summary.json: the machine-readable figures of a {@link ReportModel} (raw numbers, snake_case keys). */
final class SummaryJson {
  private final ReportModel model;

  SummaryJson(ReportModel model) {
    this.model = model;
  }

  /** The summary.json document (raw numbers, snake_case keys). */
  @SuppressWarnings("unchecked")
  Map<String, Object> document() {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("run_id", model.data().runId());
    summary.put("status", model.status());
    summary.put("generated_at", model.data().generatedAt().toString());
    RunRecord run = model.data().run();
    summary.put("started_at", run == null || run.startedAt() == null ? null : run.startedAt().toString());
    summary.put("finished_at", run == null || run.finishedAt() == null ? null : run.finishedAt().toString());
    summary.put("policy", ReportModel.linked("id", model.policy().id(), "version", model.policy().version()));
    summary.put("counts", model.counts());
    summary.put("score_status", new java.util.TreeMap<>(model.data().scoreStatus()));
    summary.put("review_queue", new java.util.TreeMap<>(model.data().reviewQueue()));
    summary.put("cost_usd", model.costUsd());
    summary.put("input_tokens", model.inputTokens());
    summary.put("output_tokens", model.outputTokens());
    if (model.scoreFigure("batch_cost_usd") != null) {
      summary.put("spend_usd", ReportModel.linked("batch", model.scoreFigure("batch_cost_usd"), "online",
          model.scoreFigure("online_cost_usd"), "batch_saving", model.scoreFigure("batch_saving_usd")));
    }
    summary.put("prevalence", prevalenceSummary(PrevalenceMetrics.MODEL));
    summary.put("human_prevalence", prevalenceSummary(PrevalenceMetrics.HUMAN));
    summary.put("prevalence_by_views", prevalenceSummary(PrevalenceMetrics.MODEL + PrevalenceMetrics.BY_VIEWS));
    Map<String, Object> agreement = new LinkedHashMap<>();
    model.agreementByCategory().forEach((category, metrics) -> {
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
    for (String category : model.categoriesWithoutAgreement()) {
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("precision", null);
      figures.put("recall", null);
      figures.put("f1", null);
      figures.put("n", 0);
      figures.put("note", model.noAgreementText());
      agreement.put(category, figures);
    }
    summary.put("agreement", agreement);
    summary.put("no_data", model.data().noData());
    summary.put("gates", gatesSummary());
    summary.put("paths", ReportModel.linked(
        "report_dir", model.paths().reportDir().toString(),
        "html", model.paths().html().toString(),
        "summary", model.paths().summary().toString(),
        "markdown", model.paths().markdown().toString()));
    summary.put("review_queue_total", model.data().reviewQueue().values().stream().mapToLong(Long::longValue).sum());
    ReportModel.Per1000 per = model.per1000();
    summary.put("cost_usd_per_1000_items", per == null ? null : per.costUsd());
    summary.put("tokens_per_1000_items", per == null ? null : per.tokens());
    summary.put("macro_f1", model.macroF1());
    summary.put("human_ceiling_f1", model.humanCeiling());
    Map<String, Object> diversity = new java.util.TreeMap<>();
    for (MetricRow m : model.data().metrics()) {
      if (m.report().startsWith("diversity_") && m.wholeRun() && m.value() != null) {
        ((Map<String, Object>) diversity.computeIfAbsent(m.report().substring("diversity_".length()),
            k -> new java.util.TreeMap<String, Object>())).put(m.metric(), m.value());
      }
    }
    summary.put("diversity", diversity);
    summary.put("previous_run", model.previousRun());
    summary.put("top_changes", model.topChanges(5));
    return summary;
  }

  private Map<String, Object> prevalenceSummary(String metric) {
    Map<String, Object> byCategory = new LinkedHashMap<>();
    List<MetricRow> rows = model.prevalenceRows(metric);
    for (String category : model.categoryOrder(rows.stream().map(MetricRow::category).toList())) {
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

  private List<Map<String, Object>> gatesSummary() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (GateOutcome r : model.gates()) {
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("gate", r.gate());
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
}
