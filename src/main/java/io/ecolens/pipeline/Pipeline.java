package io.ecolens.pipeline;

import io.ecolens.evaluate.EvaluateStage;
import io.ecolens.gate.GateStage;
import io.ecolens.generate.GenerateStage;
import io.ecolens.ingest.IngestStage;
import io.ecolens.metrics.MetricsStage;
import io.ecolens.report.ReportStage;
import io.ecolens.run.StageRunner;
import io.ecolens.sample.SampleStage;
import io.ecolens.score.ScoreStage;
import io.ecolens.train.TrainStage;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The whole run, stage by stage through one {@link StageRunner}: generate (when
 * {@code generate.enabled}), ingest, sample, train (when the scorer's embedded heads are fitted
 * before scoring: {@code score.embedded.train.before-scoring}), score, evaluate, metrics, gates,
 * report. A score stage stopped by the budget cap ends the run early: its figures would describe a
 * part of the sample.
 * The run stays "running" in the ledger from its first stage to its last, one ledger write per stage.
 */
public final class Pipeline {
  private Pipeline() {}

  /** How the run ended: the gates' outcome, or empty when it stopped at the budget cap. */
  public record Result(Optional<GateStage.Result> gates) {
    /** True when the score stage stopped at {@code score.max-cost} before the end of the sample. */
    public boolean stoppedAtBudget() {
      return gates.isEmpty();
    }
  }

  /** Runs every stage in order; {@code onStage} hears of each as it finishes (to print it). */
  public static Result run(StageRunner runner, Consumer<StageRunner.Timed<?>> onStage) {
    if (runner.context().config().generate().enabled()) {
      onStage.accept(runner.runBeforeMore(new GenerateStage()));
    }
    onStage.accept(runner.runBeforeMore(new IngestStage()));
    onStage.accept(runner.runBeforeMore(new SampleStage()));
    if (runner.context().config().score().trainsBeforeScoring()) {
      onStage.accept(runner.runBeforeMore(TrainStage.outsideSample()));
    }
    StageRunner.Timed<ScoreStage.Result> score = runner.runBeforeMore(new ScoreStage());
    onStage.accept(score);
    if (score.result().deferredItems() > 0) {
      runner.succeeded();
      return new Result(Optional.empty());
    }
    onStage.accept(runner.runBeforeMore(new EvaluateStage()));
    return new Result(Optional.of(report(runner, onStage).gates()));
  }

  /** What the report's three stages produced: the gates' outcome and the rendered files. */
  public record Report(GateStage.Result gates, ReportStage.Result files) {}

  /** The report's three stages: metrics (prevalence, diversity), gates, and the rendered files. */
  public static Report report(StageRunner runner, Consumer<StageRunner.Timed<?>> onStage) {
    onStage.accept(runner.runBeforeMore(new MetricsStage()));
    StageRunner.Timed<GateStage.Result> gates = runner.runBeforeMore(new GateStage());
    onStage.accept(gates);
    StageRunner.Timed<ReportStage.Result> files = runner.run(new ReportStage());
    onStage.accept(files);
    return new Report(gates.result(), files.result());
  }
}
