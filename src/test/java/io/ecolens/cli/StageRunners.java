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
    return new StageRunner(ctx).run(new IngestStage()).result();
  }

  public static SampleStage.Result sample(RunContext ctx) {
    return new StageRunner(ctx).run(new SampleStage()).result();
  }

  public static ScoreStage.Result score(RunContext ctx) {
    return new StageRunner(ctx).run(new ScoreStage()).result();
  }

  public static EvaluateStage.Result evaluate(RunContext ctx) {
    return new StageRunner(ctx).run(new EvaluateStage()).result();
  }

  public static io.ecolens.report.ReportStage.Result report(RunContext ctx) {
    // metrics, gates, then the render stage, as the report command runs them
    return io.ecolens.pipeline.Pipeline.report(new StageRunner(ctx), timed -> { }).files();
  }

  public static TrainStage.Result train(RunContext ctx) {
    return new StageRunner(ctx).run(new TrainStage()).result();
  }
}
