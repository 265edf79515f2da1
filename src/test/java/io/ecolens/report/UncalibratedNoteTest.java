package io.ecolens.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.EmbeddingModel;
import io.ecolens.config.ScorerType;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.score.ScorerSpec;
import io.ecolens.scorer.embedded.EmbeddedSpec;
import io.ecolens.scorer.embedded.TrainedHeads;
import io.ecolens.tables.MetricRow;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which categories the embedded judge decides at the policy's hand-set zero-shot threshold
 * ({@link ScorerSpec#uncalibratedCategories}), and how the report and summary.md say so; and how
 * they say that the judge's heads were fitted in the run, outside its sample.
 */
class UncalibratedNoteTest {
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));

  @Test
  void onlyEmbeddedCategoriesWithoutAFitAreUncalibrated() {
    List<String> all = POLICY.categories().stream().map(Policy.Category::id).toList();
    assertThat(new ScorerSpec(ScorerType.RULES, POLICY).uncalibratedCategories()).isEmpty();
    assertThat(new ScorerSpec(ScorerType.EMBEDDED, POLICY).uncalibratedCategories()).isEqualTo(all);
    assertThat(new ScorerSpec(ScorerType.CASCADE, POLICY).uncalibratedCategories()).isEqualTo(all);

    TrainedHeads fit = new TrainedHeads(POLICY.id(), POLICY.version(), "v", "now", "r1",
        Map.of(all.get(0), new TrainedHeads.Head(new double[EmbeddingModel.DIMENSIONS], 0, 0.5, 10, 100)),
        Map.of(all.get(1), new Policy.Embedded(0.4, 0.5, 20.0)));
    ScorerSpec trained = new ScorerSpec(ScorerType.EMBEDDED, POLICY,
        new EmbeddedSpec(EmbeddingModel.MINILM, 256, 1, fit), null);
    assertThat(trained.uncalibratedCategories()).isEqualTo(all.subList(2, all.size()));
  }

  @Test
  void theReportAndSummaryNameTheUncalibratedCategories() {
    ReportModel withNote = TestReports.model(List.of(
        new MetricRow("r1", "score", "uncalibrated_threshold", "spam_scam", "all", "all", 1.0, null, null, 10L),
        new MetricRow("r1", "score", "items", "", "all", "all", 10.0, null, null, 10L)));
    assertThat(HtmlView.uncalibrated(withNote)).isEqualTo(withNote.displayName("spam_scam"));
    assertThat(new SummaryMarkdown(withNote).text())
        .contains("- Thresholds uncalibrated (zero-shot, no labels fitted them): " + withNote.displayName("spam_scam"));
    ReportModel without = TestReports.model(List.of());
    assertThat(HtmlView.uncalibrated(without)).isNull();
    assertThat(new SummaryMarkdown(without).text()).doesNotContain("uncalibrated");
  }

  @Test
  void theReportAndSummarySayWhenTheHeadsWereFittedInTheRunOutsideItsSample() {
    ReportModel outside = TestReports.model(List.of(
        new MetricRow("r1", "train", "trained_items", "", "sample", "excluded", 4000.0, null, null, 4000L)));
    assertThat(HtmlView.fittedOutsideSample(outside)).isEqualTo("4,000");
    assertThat(new SummaryMarkdown(outside).text())
        .contains("- Judge's heads fitted in this run on 4,000 labelled items outside the sample");
    ReportModel included = TestReports.model(List.of(
        new MetricRow("r1", "train", "trained_items", "", "sample", "included", 4000.0, null, null, 4000L)));
    assertThat(HtmlView.fittedOutsideSample(included)).isNull();
    assertThat(new SummaryMarkdown(included).text()).doesNotContain("outside the sample");
  }
}
