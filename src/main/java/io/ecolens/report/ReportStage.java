package io.ecolens.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import io.ecolens.Errors;
import io.ecolens.run.RunContext;
import io.ecolens.run.Stage;
import io.ecolens.run.StageResult;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * The report stage: renders the run's figures to {@code <report.output>/<run_id>/} as a
 * self-contained {@code report.html}, a machine-readable {@code summary.json} and a short
 * {@code summary.md}.
 *
 * <p>Only reads tables and computes nothing: prevalence and diversity come from the metrics stage,
 * comparisons and gate outcomes from the gates stage ({@code gate_results}), so an old run can be
 * re-rendered alone. Every input is optional ({@code metrics} sections, {@code runs},
 * {@code scores}, {@code review_queue}, ...); a missing part shows as "not available". Re-running
 * overwrites the files. See {@link ReportModel} for where headline counts come from.
 */
public final class ReportStage implements Stage<ReportStage.Result> {
  private static final String TEMPLATE = "report.html.mustache";
  /** The ledger name {@code run.RunLedger.reported()} looks for. */
  private static final String NAME = "report";

  /** The files written. */
  public record Result(Path reportDir, Path htmlPath, Path summaryPath, Path markdownPath) implements StageResult {
    /** None: the runs row records no report counts. */
    @Override
    public Map<String, Long> counts() {
      return Map.of();
    }

    /** The report's path. */
    @Override
    public String summary() {
      return htmlPath.toString();
    }
  }

  public ReportStage() {}

  @Override
  public String name() {
    return NAME;
  }

  /** Reads the run's figures and writes the report files. */
  @Override
  public Result execute(RunContext ctx) {
    String runId = ctx.runId();
    ReportData data = ReportReads.data(ctx);
    ChartData charts = ReportReads.charts(ctx);
    Path dir = Path.of(ctx.config().report().output()).resolve(runId);
    ReportModel.Paths paths = new ReportModel.Paths(dir, dir.resolve("report.html"), dir.resolve("summary.json"));
    ReportModel model = new ReportModel(data, ctx.policy(), paths, ReportReads.gates(ctx), charts);
    writeFiles(model, paths);
    return new Result(paths.reportDir(), paths.html(), paths.summary(), paths.markdown());
  }

  private static void writeFiles(ReportModel model, ReportModel.Paths paths) {
    try {
      Files.createDirectories(paths.reportDir());
      StringWriter html = new StringWriter();
      Mustache template = new DefaultMustacheFactory("io/ecolens/report").compile(TEMPLATE);
      template.execute(html, new HtmlView(model).view()).flush();
      writeAtomically(paths.html(), html.toString());
      ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      writeAtomically(paths.summary(), json.writeValueAsString(new SummaryJson(model).document()));
      writeAtomically(paths.markdown(), new SummaryMarkdown(model).text());
    } catch (IOException e) {
      throw Errors.stageFailed(NAME,
          "cannot write the report to " + paths.reportDir() + ": " + e.getMessage()
              + "; check that report.output points to a writable local folder",
          e);
    }
  }

  /** Writes next to the target and renames, so a reader never sees half a file. */
  private static void writeAtomically(Path target, String text) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.writeString(temp, text, StandardCharsets.UTF_8);
    try {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
