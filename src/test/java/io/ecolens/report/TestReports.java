package io.ecolens.report;

import io.ecolens.policy.PolicyLoader;
import io.ecolens.tables.MetricRow;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Report models of run r1 under the default policy from {@code metrics} rows alone (no Spark, no tables). */
final class TestReports {
  private TestReports() {}

  static ReportModel model(List<MetricRow> metrics) {
    ReportData data = new ReportData("r1", Instant.parse("2026-11-25T18:00:00Z"), metrics, null, Map.of(), Map.of(),
        Map.of(), null, null, null);
    return new ReportModel(data, PolicyLoader.load(Path.of("conf/policies/default.yaml")),
        new ReportModel.Paths(Path.of("r"), Path.of("r/report.html"), Path.of("r/summary.json")));
  }
}
