package io.ecolens.cli;

import io.ecolens.config.EcolensConfig;

import io.ecolens.config.Validation;
import io.ecolens.evaluate.EvaluateStage;
import io.ecolens.gate.GateStage;
import io.ecolens.generate.GenerateStage;
import io.ecolens.ingest.IngestStage;
import io.ecolens.metrics.MetricsStage;
import io.ecolens.pipeline.Pipeline;
import io.ecolens.report.ReportStage;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageRunner;
import io.ecolens.sample.SampleStage;
import io.ecolens.score.ScoreStage;
import io.ecolens.tables.Table;
import io.ecolens.train.TrainStage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The commands that run stages of one run: one per stage, {@code report} for the report's three, {@code run} for all. */
final class StageCommands {
  private StageCommands() {}

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = "Write the synthetic demo corpus, human labels and ground truth (JSON lines).")
  static final class Generate extends StageCommand {
    @Option(names = "--rows", paramLabel = "N", description = "Lines to write (default: generate.rows).")
    Long rows;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: generate.output).")
    String outDir;

    @Override
    List<String> overrides() {
      List<String> o = new ArrayList<>();
      if (rows != null) {
        o.add("generate.rows=" + rows);
      }
      if (outDir != null) {
        o.add("generate.output=" + outDir);
      }
      return o;
    }

    @Override
    int run(StageRunner runner) {
      runAndPrint(runner, new GenerateStage());
      return 0;
    }
  }

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = "Validate, normalise and dedupe the corpus into content / content_quarantine; load labels.")
  static final class Ingest extends StageCommand {
    @Override
    Validation.Inputs inputs() {
      return Validation.Inputs.CORPUS;
    }

    @Override
    int run(StageRunner runner) {
      runAndPrint(runner, new IngestStage());
      return 0;
    }
  }

  @Command(name = "sample", mixinStandardHelpOptions = true,
      description = "Draw the stratified sample of the run's content into samples.")
  static final class Sample extends StageCommand {
    @Override
    int run(StageRunner runner) {
      runAndPrint(runner, new SampleStage());
      return 0;
    }
  }

  @Command(name = "score", mixinStandardHelpOptions = true,
      description = "Score the sampled items against every policy category into scores.")
  static final class Score extends StageCommand {
    @Option(names = "--estimate",
        description = "Print the requests, tokens and cost scoring would need, then stop without sending anything.")
    boolean estimate;

    @Option(names = "--submit", description = "With score.openai.mode batch: submit the run's batches and exit "
        + "without waiting for them (exit code 7 while batches are at the provider).")
    boolean submit;

    @Option(names = "--collect", description = "With score.openai.mode batch: collect the batches that have ended, "
        + "send what they could not answer again, and exit: 0 when every item is scored, 7 while batches run.")
    boolean collect;

    @Override
    void checkOptions(EcolensConfig config) {
      if (submit && collect) {
        throw io.ecolens.Errors.config("the command line", "--submit", "cannot be given with --collect; give one of "
            + "them: --submit sends the batches, --collect gathers their answers");
      }
      if ((submit || collect) && !config.score().openai().batchMode()) {
        throw io.ecolens.Errors.config("the command line", submit ? "--submit" : "--collect", "is for "
            + "score.openai.mode batch; add --set score.openai.mode=batch or leave the option out");
      }
    }

    @Override
    int run(StageRunner runner) {
      if (estimate) {
        ScoreStage.Estimate e = new ScoreStage().estimate(runner.context());
        out().printf("estimate: %,d items: %,d already committed by this run, %,d reusable from earlier runs, "
            + "%,d to send%n          %,d requests, ~%,d input + ~%,d output tokens, ~$%.4f%n",
            e.items(), e.committedItems(), e.cachedItems(), e.toScoreItems(), e.requests(), e.inputTokens(),
            e.outputTokens(), e.costUsd());
        return 0;
      }
      ScoreStage.BatchStep step = submit ? ScoreStage.BatchStep.SUBMIT
          : collect ? ScoreStage.BatchStep.COLLECT : ScoreStage.BatchStep.ALL;
      ScoreStage.Result result = runAndPrint(runner, new ScoreStage(step));
      return result.awaitingItems() > 0 ? io.ecolens.Errors.EXIT_BATCHES_RUNNING : 0;
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Fit the embedded scorer's per-category heads on the run's human labels; cross-validated "
          + "precision/recall/F1/AUPRC into metrics (report 'train').")
  static final class Train extends StageCommand {
    @Override
    int run(StageRunner runner) {
      runAndPrint(runner, new TrainStage());
      return 0;
    }
  }

  @Command(name = "evaluate", mixinStandardHelpOptions = true,
      description = "Compare scores with adjudicated human labels into evaluations, metrics and review_queue.")
  static final class Evaluate extends StageCommand {
    @Override
    int run(StageRunner runner) {
      runAndPrint(runner, new EvaluateStage());
      return 0;
    }
  }

  @Command(name = "metrics", mixinStandardHelpOptions = true,
      description = "Compute prevalence (with confidence intervals) and diversity of the run into metrics.")
  static final class Metrics extends StageCommand {
    @Override
    int run(StageRunner runner) {
      runAndPrint(runner, new MetricsStage());
      return 0;
    }
  }

  /** {@code --baseline-run}, shared by the commands that check gates. */
  static final class BaselineOption {
    @Option(names = "--baseline-run", paramLabel = "ID",
        description = "Run to compare with (default: comparison.baseline-run, else the latest good earlier run).")
    String runId;

    List<String> overrides() {
      return runId == null ? List.of() : List.of("comparison.baseline-run=" + runId);
    }
  }

  @Command(name = "gates", mixinStandardHelpOptions = true,
      description = "Compare the run's figures with the baseline run and check the quality gates into gate_results.")
  static final class Gates extends StageCommand {
    @Mixin BaselineOption baseline;

    @Override
    List<String> overrides() {
      return baseline.overrides();
    }

    @Override
    int run(StageRunner runner) {
      GateStage.Result gates = runAndPrint(runner, new GateStage());
      return gates.failed().isEmpty() ? 0 : gatesFailed(runner.context().runId(), gates);
    }
  }

  @Command(name = "render", mixinStandardHelpOptions = true,
      description = "Write report.html, summary.json and summary.md from the run's tables, computing nothing.")
  static final class Render extends StageCommand {
    @Override
    int run(StageRunner runner) {
      runAndPrint(runner, new ReportStage());
      return 0;
    }
  }

  @Command(name = "report", mixinStandardHelpOptions = true,
      description = "Compute the run's metrics, check its gates and write report.html, summary.json and summary.md.")
  static final class Report extends StageCommand {
    @Mixin BaselineOption baseline;

    @Override
    List<String> overrides() {
      return baseline.overrides();
    }

    @Override
    int run(StageRunner runner) {
      GateStage.Result gates = Pipeline.report(runner, this::print).gates();
      return gates.failed().isEmpty() ? 0 : gatesFailed(runner.context().runId(), gates);
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Run every stage in order: generate (when generate.enabled), ingest, sample, score, evaluate, "
          + "metrics, gates, report.")
  static final class Run extends StageCommand {
    @Mixin BaselineOption baseline;

    @Override
    Validation.Inputs inputs() {
      return Validation.Inputs.CORPUS_UNLESS_GENERATED;
    }

    @Override
    List<String> overrides() {
      return baseline.overrides();
    }

    @Override
    int run(StageRunner runner) {
      Pipeline.Result result = Pipeline.run(runner, this::print);
      RunContext ctx = runner.context();
      out().printf("%ntables    %s.{%s}%n", ctx.store().database(),
          String.join(",", Arrays.stream(Table.values()).map(Table::tableName).toList()));
      out().printf("warehouse %s%n", ctx.config().catalog().embedded()
          ? Path.of(ctx.config().catalog().warehouse()).toAbsolutePath() : "(cluster catalog)");
      boolean failed = result.gates().map(g -> !g.failed().isEmpty()).orElse(false);
      return failed ? gatesFailed(ctx.runId(), result.gates().get()) : 0;
    }
  }
}
