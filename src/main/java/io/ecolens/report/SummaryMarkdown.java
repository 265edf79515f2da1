package io.ecolens.report;

import java.util.List;
import java.util.Map;

/** summary.md: a short Markdown summary of a {@link ReportModel} for chat or email. */
final class SummaryMarkdown {
  private final ReportModel model;

  SummaryMarkdown(ReportModel model) {
    this.model = model;
  }

  /** A short Markdown summary for chat or email: headline numbers, top changes, the report's path. */
  String text() {
    StringBuilder md = new StringBuilder();
    String status = model.status();
    md.append("**ecolens run ").append(model.data().runId()).append("** · ").append(status == null ? "status not available" : status)
        .append(" · policy ").append(model.policy().id()).append(" v").append(model.policy().version()).append("\n\n");
    if (model.data().noData() != null) {
      md.append("**No figures from model scores:** ").append(model.data().noData()).append("\n\n");
    }
    Map<String, Long> counts = model.counts();
    md.append("- Items: ").append(Formats.count(counts.get("read"))).append(" read, ")
        .append(Formats.count(counts.get("sampled"))).append(" sampled, ")
        .append(Formats.count(counts.get("scored"))).append(" scored, ")
        .append(Formats.count(counts.get("errors"))).append(" scoring errors\n");
    for (Map<String, Object> card : model.qualityCards()) {
      md.append("- ").append(card.get("label")).append(": ").append(card.get("value"));
      if (card.get("note") != null) {
        md.append(" (").append(card.get("note")).append(")");
      }
      md.append("\n");
    }
    String uncalibrated = HtmlView.uncalibrated(model);
    if (uncalibrated != null) {
      md.append("- Thresholds uncalibrated (zero-shot, no labels fitted them): ").append(uncalibrated).append("\n");
    }
    String fitted = HtmlView.fittedOutsideSample(model);
    if (fitted != null) {
      md.append("- Judge's heads fitted in this run on ").append(fitted)
          .append(" labelled items outside the sample (cross-validated figures: metrics, report train)\n");
    }
    Object weaker = new LanguageView(model).view().get("weaker");
    if (weaker != null) {
      md.append("- Agreement weaker than on English (F1 interval wholly below): ").append(weaker).append("\n");
    }
    List<String> changes = model.topChanges(5);
    md.append("\n");
    if (changes.isEmpty()) {
      md.append("No earlier run to compare with.\n");
    } else {
      md.append("Top changes since run ").append(model.previousRun()).append(":\n");
      changes.forEach(c -> md.append("- ").append(c).append("\n"));
    }
    md.append("\nReport: ").append(model.paths().html()).append("\n");
    return md.toString();
  }
}
