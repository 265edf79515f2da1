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

  private static MetricRow fit(String metric, String category, String point, double value) {
    return new MetricRow("r1", "cascade_fit", metric, category, point == null ? "all" : "point",
        point == null ? "all" : point, value, null, null, 500L);
  }

  @Test
  void aFittedCascadeShowsItsPilotItsBandsAndTheCurveWithTheChosenPoint() {
    List<MetricRow> rows = new java.util.ArrayList<>(List.of(cascade("items", 1000), cascade("escalated_share", 0.3),
        fit("pilot_items", "", null, 500), fit("tolerance", "", null, 0.01), fit("escalated_share", "", null, 0.25),
        fit("f1_micro", "", null, 0.70), fit("second_only_f1_micro", "", null, 0.705),
        fit("first_only_f1_micro", "", null, 0.55), fit("cost_per_item_usd", "", null, 0.0002),
        fit("band", "spam_scam", null, 0.125), fit("band", "hate_speech", null, 30.0)));
    double[][] curve = {{0, 0.55}, {0.5, 0.69}, {1, 0.705}};
    for (int i = 0; i < curve.length; i++) {
      rows.add(fit("curve_escalated_share", "", "0" + i, curve[i][0]));
      rows.add(fit("curve_f1_micro", "", "0" + i, curve[i][1]));
    }
    Map<String, Object> view = new CascadeView(TestReports.model(rows)).view();
    assertThat(view).containsEntry("fitted", true);
    assertThat(view.get("fitRows").toString())
        .contains("Labelled pilot items (all sent to openai), value=500")
        .contains("Tolerance: micro F1 may fall below openai alone by, value=1.0 points")
        .contains("Chosen: share sent to openai, value=25.0%")
        .contains("Chosen: micro F1 on the pilot, value=70.0%")
        .contains("openai alone: micro F1 on the pilot, value=70.5%")
        .contains("openai cost per 1,000 items at the chosen bands, value=$0.2000");
    assertThat(view.get("bands").toString()).contains("value=0.125").contains("value=every item");
    String svg = (String) view.get("curve");
    assertThat(svg).startsWith("<svg").contains("fitted bands (chosen)").contains("one band for every category");
  }

  @Test
  void aCascadeWithAFixedBandHasNoFit() {
    assertThat(new CascadeView(TestReports.model(List.of(cascade("items", 1000)))).view())
        .containsEntry("fitted", false).doesNotContainKey("curve");
  }
}
