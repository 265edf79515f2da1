package io.ecolens.run;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Runs stages of one run: records each in the run ledger ({@code runs}) as running, then as
 * finished with its wall time, counts and spend, or as failed with the reason; labels its Spark
 * jobs; and logs progress while it works. The one way a stage is run, by the CLI, the pipeline,
 * experiments and tests alike.
 *
 * <p>The ledger's writes overlap the stage where they can, each a Delta commit of about a second on
 * one machine: a stage that does not read its run's row begins while the row is marked running,
 * and what a stage publishes from its result ({@link Stage#publish}) is written while the row is
 * marked finished. Each write is waited for before the next one, and a failure of either is the
 * stage's, recorded as such.
 */
public final class StageRunner {
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
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
    ctx.describe(name, ""); // before the ledger's thread starts: it inherits the stage's job group
    CompletableFuture<Void> started = DONE;
    if (stage.recorded()) {
      ctx.store().ensureAll();
      if (stage.readsRunRow()) {
        ledger.started(name);
      } else {
        started = Background.run("ecolens-run-ledger", () -> ledger.started(name)); // the stage begins meanwhile
      }
    }
    long start = System.nanoTime();
    try (Progress tasks = stage.reportsOwnProgress() ? null : Progress.tasks(ctx.spark(), name)) {
      R result = stage.execute(ctx);
      double seconds = (System.nanoTime() - start) / 1e9;
      Background.join(started);
      CompletableFuture<Void> finished = !stage.recorded() ? DONE : Background.run("ecolens-run-ledger",
          () -> ledger.finished(name, seconds, result.counts(), result.spend(), last));
      try {
        stage.publish(ctx, result);
      } catch (RuntimeException e) {
        Background.settle(finished); // the failed write below comes after it
        throw e;
      }
      Background.join(finished);
      return new Timed<>(name, result, seconds);
    } catch (RuntimeException e) {
      try {
        Background.settle(started);
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
