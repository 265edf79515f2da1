package io.ecolens.report;

import io.ecolens.evaluate.AgreementMetrics;
import io.ecolens.tables.MetricRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The report's agreement-by-language block: the judge's micro F1 and Cohen's kappa against the
 * human labels per language, with their 95% intervals, from the {@code agreement_slices} rows of
 * slice {@code language}. The in-process models are English-first, so each language is set against
 * English: a language whose F1 interval lies wholly below English's is flagged as weaker beyond
 * sampling noise, and one whose interval overlaps English's is not, however low its point estimate.
 */
final class LanguageView {
  static final String SLICE = "language";
  static final String ENGLISH = "en";

  private final ReportModel model;

  LanguageView(ReportModel model) {
    this.model = model;
  }

  /** One language's micro F1 and kappa rows (either may be missing). */
  private record Figures(MetricRow f1, MetricRow kappa) {
    Figures with(MetricRow m) {
      return m.metric().equals("f1") ? new Figures(m, kappa) : new Figures(f1, m);
    }
  }

  Map<String, Object> view() {
    Map<String, Figures> byLanguage = new TreeMap<>();
    for (MetricRow m : model.data().metrics()) {
      if (AgreementMetrics.SLICES.equals(m.report()) && SLICE.equals(m.sliceKey()) && "micro".equals(m.category())
          && (m.metric().equals("f1") || m.metric().equals("kappa")) && m.value() != null) {
        byLanguage.put(m.sliceValue(), byLanguage.getOrDefault(m.sliceValue(), new Figures(null, null)).with(m));
      }
    }
    Figures english = byLanguage.get(ENGLISH);
    MetricRow reference = english == null ? null : english.f1();
    List<Map<String, Object>> rows = new ArrayList<>();
    List<String> weaker = new ArrayList<>();
    for (Map.Entry<String, Figures> e : byLanguage.entrySet()) {
      MetricRow f1 = e.getValue().f1();
      MetricRow kappa = e.getValue().kappa();
      boolean flagged = f1 != null && weakerThan(f1, reference);
      if (flagged) {
        weaker.add(e.getKey());
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("language", e.getKey());
      row.put("reference", e.getKey().equals(ENGLISH));
      row.put("f1", f1 == null ? Formats.NOT_AVAILABLE : Formats.percent(f1.value()));
      row.put("f1Ci", f1 == null ? "" : interval(f1));
      row.put("gap", f1 == null || reference == null || e.getKey().equals(ENGLISH) ? ""
          : signedPoints(f1.value() - reference.value()));
      row.put("kappa", kappa == null ? Formats.NOT_AVAILABLE : Formats.decimal(kappa.value(), 3));
      row.put("kappaCi", kappa == null ? "" : interval3(kappa));
      row.put("n", f1 == null || f1.n() == null ? "" : Formats.count(f1.n()));
      row.put("flagged", flagged);
      rows.add(row);
    }
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("available", !rows.isEmpty());
    section.put("rows", rows);
    section.put("hasReference", reference != null);
    section.put("weaker", weaker.isEmpty() ? null : String.join(", ", weaker));
    return section;
  }

  /** True when the language's F1 interval lies wholly below English's. */
  static boolean weakerThan(MetricRow f1, MetricRow english) {
    return english != null && f1.ciHigh() != null && english.ciLow() != null && f1.ciHigh() < english.ciLow();
  }

  private static String interval(MetricRow m) {
    return m.ciLow() == null || m.ciHigh() == null ? "" : Formats.percent(m.ciLow()) + " – " + Formats.percent(m.ciHigh());
  }

  private static String interval3(MetricRow m) {
    return m.ciLow() == null || m.ciHigh() == null ? ""
        : Formats.decimal(m.ciLow(), 3) + " – " + Formats.decimal(m.ciHigh(), 3);
  }

  private static String signedPoints(double delta) {
    return (delta >= 0 ? "+" : "−") + Formats.decimal(Math.abs(delta) * 100, 1) + " pts";
  }
}
