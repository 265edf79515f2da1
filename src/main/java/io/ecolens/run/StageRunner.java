package io.ecolens.run;

import java.util.Objects;

/**
 * Runs stages of one run: records each in the run ledger ({@code runs}) as running, then as
 * finished with its wall time, counts and spend, or as failed with the reason; labels its Spark
 * jobs; and logs progress while it works. The one way a stage is run, by the CLI, the pipeline,
 * experiments and tests alike.
 */
public final class StageRunner {
  private final RunContext ctx;
  private final RunLedger ledger;

  public StageRunner(RunContext ctx) {
    this.ctx = Objects.requireNonNull(ctx, "ctx");
    this.ledger = new RunLedger(ctx);
  }

  /** The run the stages belong to. */
  public RunContext context() {
    return ctx;
  }

  /** A stage's result and its wall time. */
  public record Timed<R extends StageResult>(String stage, R result, double seconds) {}

  /**
   * Runs {@code stage} under the ledger and returns what it did; a failure is recorded, then
   * rethrown. After it the ledger says the run succeeded: use this for the last (or only) stage.
   */
  public <R extends StageResult> Timed<R> run(Stage<R> stage) {
    return run(stage, true);
  }

  /**
   * Runs {@code stage} like {@link #run} when another stage of the run follows in this process: the
   * ledger keeps the run "running" after it, so the next stage starts without a ledger write (one
   * Delta commit per stage instead of two). End with {@link #run}, or {@link #succeeded} when the
   * run stops early.
   */
  public <R extends StageResult> Timed<R> runBeforeMore(Stage<R> stage) {
    return run(stage, false);
  }

  /** Marks the run succeeded when it ends after a {@link #runBeforeMore} stage (e.g. at the budget cap). */
  public void succeeded() {
    ledger.succeeded();
  }

  private <R extends StageResult> Timed<R> run(Stage<R> stage, boolean last) {
    String name = stage.name();
    if (stage.recorded()) {
      ctx.store().ensureAll();
      ledger.started(name);
    }
    long start = System.nanoTime();
    ctx.describe(name, "");
    try (Progress tasks = stage.reportsOwnProgress() ? null : Progress.tasks(ctx.spark(), name)) {
      R result = stage.execute(ctx);
      double seconds = (System.nanoTime() - start) / 1e9;
      if (stage.recorded()) {
        ledger.finished(name, seconds, result.counts(), result.spend(), last);
      }
      return new Timed<>(name, result, seconds);
    } catch (RuntimeException e) {
      try {
        if (stage.recorded()) {
          ledger.failed(name, String.valueOf(e.getMessage()));
        }
      } catch (RuntimeException ledgerFailure) {
        e.addSuppressed(ledgerFailure);
      }
      throw e;
    } finally {
      ctx.spark().sparkContext().clearJobGroup();
    }
  }
}
