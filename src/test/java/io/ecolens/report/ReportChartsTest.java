package io.ecolens.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportChartsTest {
  private static final List<ReportCharts.Interval> RARE = List.of(
      new ReportCharts.Interval("hate_speech", "all", 0.002, 0.0007, 0.0066),
      new ReportCharts.Interval("hate_speech", "photo", 0.0, 0.0, 0.019), // no positive among few items
      new ReportCharts.Interval("spam_scam", "all", 0.011, 0.006, 0.018));

  @Test
  void prevalenceAxisReachesPastTheWidestIntervalNotJustTheEstimates() {
    // the estimates alone top out at 1.1%; the photo interval reaches 1.9%
    assertThat(ReportCharts.prevalenceAxisTop(RARE)).isCloseTo(1.9 * 1.05, within(1e-9));
  }

  @Test
  void prevalenceAxisOfAllZeroFiguresIsOnePercent() {
    assertThat(ReportCharts.prevalenceAxisTop(List.of(new ReportCharts.Interval("a", "all", 0, 0, 0)))).isEqualTo(1.0);
  }

  @Test
  void prevalenceChartIsAnInlineSvgWithEveryCategoryAndSeries() {
    String svg = ReportCharts.prevalence("chart-p", RARE, List.of("hate_speech", "spam_scam"), List.of("all", "photo"));
    assertThat(svg).startsWith("<svg").contains("hate_speech", "spam_scam", "photo")
        .contains("Prevalence, % of items");
  }

  @Test
  void runsWithoutAnyFigureGetNoSlotOnTheOverRunsChart() {
    Map<String, Map<String, Double>> series = Map.of("format", Map.of("daily-1", 0.8, "daily-3", 0.7));
    List<String> runs = List.of("daily-1", "variant-without-figures", "daily-3");
    assertThat(ReportCharts.runsWithFigures(runs, series)).containsExactly("daily-1", "daily-3");
    assertThat(ReportCharts.overRuns("chart-r", "Diversity over runs", "Normalised entropy", runs, series))
        .startsWith("<svg");
    assertThat(ReportCharts.overRuns("chart-r", "t", "y", List.of("variant-without-figures"), series)).isNull();
  }
}
