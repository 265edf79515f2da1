package io.ecolens.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.mustachejava.DefaultMustacheFactory;
import io.ecolens.policy.Policy;
import io.ecolens.tables.MetricRow;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's violative-view-rate table and slice warnings, rendered from metrics rows (no Spark). */
class ViewPrevalenceReportTest {
  private static final Policy POLICY = new Policy("test", "1", "one category", List.of(
      new Policy.Category("spam_scam", "Spam and scams", "medium", 0.5, "Scams.", null, null)),
      new Policy.Prompt("v1", "system"));

  private static MetricRow row(String report, String metric, String key, String value, double v, Double low,
      Double high, long n) {
    return new MetricRow("r", report, metric, "spam_scam", key, value, v, low, high, n);
  }

  private static String render(List<MetricRow> metrics) throws java.io.IOException {
    ReportData data = new ReportData("r", Instant.parse("2026-11-25T12:00:00Z"), metrics, null, Map.of(), Map.of(),
        Map.of(), null, null, null);
    Path dir = Path.of("reports", "r");
    ReportModel model = new ReportModel(data, POLICY,
        new ReportModel.Paths(dir, dir.resolve("report.html"), dir.resolve("summary.json")));
    StringWriter html = new StringWriter();
    new DefaultMustacheFactory("io/ecolens/report").compile("report.html.mustache").execute(html, new HtmlView(model).view()).flush();
    return html.toString();
  }

  @Test
  void showsTheViewRateAndTheSmallestSlicesFirst() throws Exception {
    List<MetricRow> metrics = new ArrayList<>(List.of(
        row("prevalence", "prevalence_by_views", "all", "all", 0.0345, 0.0211, 0.0561, 2000),
        row("prevalence", "prevalence_by_views", "format", "live", 0.1234, 0.0500, 0.2700, 12),
        row("prevalence_slices", "prevalence_low_n_warning", "format", "live", 1, null, null, 12),
        row("prevalence_slices", "prevalence_low_n_warning", "stratum", "live|BR", 1, null, null, 3),
        row("agreement_slices", "low_n_warning", "region", "BR", 1, null, null, 7)));
    for (int i = 0; i < 40; i++) {
      metrics.add(row("prevalence_slices", "prevalence_low_n_warning", "stratum", "s" + (100 + i), 1, null, null, 20));
    }

    String html = render(metrics);

    String block = html.substring(html.indexOf("id=\"prevalence-by-views\""), html.indexOf("id=\"agreement\""));
    assertThat(block).contains("Violative view rate", "Spam and scams", "3.45%", "2.11% – 5.61%", "2,000",
        "format: live", "12.3%");
    String warnings = block.substring(block.indexOf("id=\"slice-warnings\""));
    // smallest first: the 3-item stratum, then the region of agreement_slices, then the 12-item format
    assertThat(warnings.indexOf("stratum: live|BR")).isLessThan(warnings.indexOf("region: BR"));
    assertThat(warnings.indexOf("region: BR")).isLessThan(warnings.indexOf("format: live"));
    assertThat(warnings).contains("agreement_slices", "prevalence_slices", "and 13 more slices");
  }

  @Test
  void saysWhenNothingIsAvailable() throws Exception {
    String html = render(List.of(row("prevalence", "prevalence", "all", "all", 0.02, 0.01, 0.03, 100)));
    assertThat(html).contains("Violative view rate: not available", "No slice has fewer items than the minimum");
  }
}
