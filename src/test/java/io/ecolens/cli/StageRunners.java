package io.ecolens.cli;

import io.ecolens.evaluate.EvaluateStage;
import io.ecolens.ingest.IngestStage;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageRunner;
import io.ecolens.sample.SampleStage;
import io.ecolens.score.ScoreStage;
import io.ecolens.train.TrainStage;

/** The CLI's stage runners (with the run ledger), for tests and benchmarks in other packages. */
public final class StageRunners {
  private StageRunners() {}

  public static IngestStage.Result ingest(RunContext ctx) {
    return StageCommands.StageCommand.ingest(ctx);
  }

  public static SampleStage.Result sample(RunContext ctx) {
    return StageCommands.StageCommand.sample(ctx);
  }

  public static ScoreStage.Result score(RunContext ctx) {
    return StageCommands.StageCommand.score(ctx);
  }

  public static EvaluateStage.Result evaluate(RunContext ctx) {
    return StageCommands.StageCommand.evaluate(ctx);
  }

  public static io.ecolens.report.ReportStage.Result report(RunContext ctx) {
    return StageCommands.StageCommand.report(ctx);
  }

  public static TrainStage.Result train(RunContext ctx) {
    return new StageRunner(ctx).run(new TrainStage()).result();
  }
}
