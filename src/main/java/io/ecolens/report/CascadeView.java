package io.ecolens.report;

import io.ecolens.score.CascadeFigures;
import io.ecolens.scorer.cascade.CascadeFit;
import io.ecolens.tables.MetricRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The report's cascade block (second-step savings, F1 against LLM-only), from a {@link ReportModel}. */
final class CascadeView {
  private final ReportModel model;

  CascadeView(ReportModel model) {
    this.model = model;
  }

  /**
   * The cascade block: what the second step scored against scoring every item alone, and, when a
   * comparison with an LLM-only run over the same sample was recorded, F1 of both against the
   * human labels, and the band fit of a cascade with a tolerance. Only {@code metrics} rows of reports
   * {@code cascade}, {@code cascade_vs_llm_only} and {@code cascade_fit}.
   */
  Map<String, Object> view() {
    Map<String, Double> figures = new LinkedHashMap<>();
    String second = null;
    List<Map<String, Object>> f1 = new ArrayList<>();
    Map<String, String> llmOnly = new LinkedHashMap<>();
    Map<String, Double[]> byCategory = new LinkedHashMap<>();
    for (MetricRow m : model.data().metrics()) {
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
    for (String category : model.categoryOrder(byCategory.keySet())) {
      Double[] pair = byCategory.get(category);
      if (pair != null) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", model.displayName(category));
        row.put("aggregate", ReportModel.isAggregate(category));
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
    fit(section, second);
    return section;
  }

  /**
   * The band fit, when the run fitted its bands on a pilot (report {@code cascade_fit}): the chosen
   * point, each category's band and the trade-off curve with the chosen point marked.
   */
  private void fit(Map<String, Object> section, String second) {
    Optional<CascadeFigures.FitFigures> fitted = CascadeFigures.fitOf(model.data().metrics());
    section.put("fitted", fitted.isPresent());
    if (fitted.isEmpty()) {
      return;
    }
    Map<String, Double> chosen = fitted.get().chosen();
    Map<String, Double> bands = fitted.get().bands();
    String to = second == null ? "the second step" : second;
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(cascadeRow("Labelled pilot items (all sent to " + to + ")", Formats.count(chosen.get("pilot_items"))));
    Double tolerance = chosen.get("tolerance");
    rows.add(cascadeRow("Tolerance: micro F1 may fall below " + to + " alone by",
        tolerance == null ? Formats.NOT_AVAILABLE : String.format(Locale.ROOT, "%.1f points", tolerance * 100)));
    rows.add(cascadeRow("Chosen: share sent to " + to, Formats.percent(chosen.get("escalated_share"))));
    rows.add(cascadeRow("Chosen: micro F1 on the pilot", Formats.percent(chosen.get("f1_micro"))));
    rows.add(cascadeRow(to + " alone: micro F1 on the pilot", Formats.percent(chosen.get("second_only_f1_micro"))));
    rows.add(cascadeRow("First step alone: micro F1 on the pilot", Formats.percent(chosen.get("first_only_f1_micro"))));
    Double perItem = chosen.get("cost_per_item_usd");
    rows.add(cascadeRow(to + " cost per 1,000 items at the chosen bands", Formats.usd(perItem == null ? null : perItem * 1000)));
    section.put("fitRows", rows);
    List<Map<String, Object>> bandRows = new ArrayList<>();
    for (String category : model.categoryOrder(bands.keySet())) {
      Double band = bands.get(category);
      if (band == null) {
        continue;
      }
      bandRows.add(cascadeRow(model.displayName(category), band >= CascadeFit.EVERY_ITEM ? "every item" : Formats.decimal(band, 3)));
    }
    section.put("bands", bandRows);
    Double secondOnly = chosen.get("second_only_f1_micro");
    Double share = chosen.get("escalated_share");
    Double f1 = chosen.get("f1_micro");
    if (secondOnly != null && tolerance != null && share != null && f1 != null) {
      List<double[]> curve = fitted.get().curve().stream()
          .map(p -> new double[] {p.escalatedShare(), p.microF1()}).toList();
      section.put("curve", ReportCharts.cascadeCurve("chart-cascade-curve", to, curve, new double[] {share, f1},
          secondOnly - tolerance));
    }
  }

  private static Map<String, Object> cascadeRow(String label, String value) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("label", label);
    row.put("value", value);
    return row;
  }
}
