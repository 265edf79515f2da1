package io.ecolens.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.tables.MetricRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's agreement-by-language block, from {@code metrics} rows alone (no Spark). */
class LanguageBlockTest {
  private static Map<String, Object> view(List<MetricRow> metrics) {
    return new LanguageView(TestReports.model(metrics)).view();
  }

  private static List<MetricRow> language(String code, double f1, double low, double high, long n) {
    List<MetricRow> rows = new ArrayList<>();
    rows.add(new MetricRow("r1", "agreement_slices", "f1", "micro", "language", code, f1, low, high, n));
    rows.add(new MetricRow("r1", "agreement_slices", "kappa", "micro", "language", code, f1 - 0.1, low - 0.1,
        high - 0.1, n));
    // other rows of the same slice, which the block leaves out
    rows.add(new MetricRow("r1", "agreement_slices", "f1", "spam_scam", "language", code, 0.01, 0.0, 0.02, n));
    rows.add(new MetricRow("r1", "agreement_slices", "precision", "micro", "language", code, 0.99, 0.9, 1.0, n));
    return rows;
  }

  @Test
  void aLanguageWhoseIntervalLiesBelowEnglishIsFlaggedAndAnOverlappingOneIsNot() {
    List<MetricRow> metrics = new ArrayList<>();
    metrics.addAll(language("en", 0.80, 0.76, 0.84, 900));
    metrics.addAll(language("ar", 0.55, 0.45, 0.65, 120)); // wholly below English's interval
    metrics.addAll(language("es", 0.70, 0.58, 0.79, 80)); // lower, but overlaps English's interval
    metrics.add(new MetricRow("r1", "agreement_slices", "f1", "micro", "format", "video", 0.1, 0.0, 0.2, 50L));
    Map<String, Object> view = view(metrics);

    assertThat(view).containsEntry("available", true).containsEntry("hasReference", true)
        .containsEntry("weaker", "ar");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> rows = (List<Map<String, Object>>) view.get("rows");
    assertThat(rows).extracting(r -> r.get("language")).containsExactly("ar", "en", "es");
    assertThat(rows.get(0)).containsEntry("flagged", true).containsEntry("f1", "55.0%")
        .containsEntry("f1Ci", "45.0% – 65.0%").containsEntry("gap", "−25 pts").containsEntry("kappa", "0.45").containsEntry("kappaCi", "0.35 – 0.55")
        .containsEntry("n", "120");
    assertThat(rows.get(1)).containsEntry("flagged", false).containsEntry("reference", true).containsEntry("gap", "");
    assertThat(rows.get(2)).containsEntry("flagged", false).containsEntry("gap", "−10 pts");
    assertThat(new SummaryMarkdown(TestReports.model(metrics)).text())
        .contains("- Agreement weaker than on English (F1 interval wholly below): ar\n");
  }

  @Test
  void withoutEnglishNothingIsFlaggedAndWithoutTheSliceThereIsNoBlock() {
    Map<String, Object> noEnglish = view(language("ar", 0.1, 0.0, 0.2, 40));
    assertThat(noEnglish).containsEntry("available", true).containsEntry("hasReference", false)
        .containsEntry("weaker", null);
    assertThat(view(List.of())).containsEntry("available", false);
  }
}
