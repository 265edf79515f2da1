package io.ecolens.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.tables.MetricRow;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's Cascade block, from {@code metrics} rows alone (no Spark). */
class CascadeBlockTest {
  private static MetricRow cascade(String metric, double value) {
    return new MetricRow("r1", "cascade", metric, "", "second", "openai", value, null, null, 1000L);
  }

  private static MetricRow comparison(String metric, String category, double value) {
    return new MetricRow("r1", "cascade_vs_llm_only", metric, category, "all", "all", value, null, null, 1000L);
  }

  @Test
  void aRunWithoutCascadeFiguresHasNoBlock() {
    assertThat(new CascadeView(TestReports.model(List.of())).view()).containsEntry("available", false).containsEntry("comparison", false);
  }

  @Test
  void theBlockShowsCallsAndCostSavedAndTheF1Comparison() {
    Map<String, Object> view = new CascadeView(TestReports.model(List.of(cascade("items", 1000), cascade("escalated_items", 200),
        cascade("escalated_share", 0.2), cascade("second_only_items", 1000), cascade("calls_saved", 800),
        cascade("escalated_error_items", 3), cascade("second_cost_usd", 0.25), cascade("second_only_cost_usd", 1.25),
        cascade("cost_saved_usd", 1.0), cascade("cached_items", 0), comparison("f1_cascade", "micro", 0.71),
        comparison("f1_llm_only", "micro", 0.74), comparison("f1_cascade", "spam_scam", 0.5))))
        .view();
    assertThat(view).containsEntry("available", true).containsEntry("comparison", true);
    assertThat(view.get("rows").toString())
        .contains("Sent to openai (escalated), value=200 (20.0%)")
        .contains("openai calls saved vs openai alone, value=800 of 1,000")
        .contains("openai alone, extrapolated, value=$1.25")
        .contains("Cost saved, value=$1.00");
    assertThat(view.get("f1").toString())
        .contains("name=Micro average, aggregate=true, cascade=71.0%, llmOnly=74.0%")
        .contains("cascade=50.0%, llmOnly=not available");
  }
}
