package io.ecolens.run;

/**
 * One step of a run, e.g. ingest or score: reads the rows earlier stages wrote under the run id
 * and replaces its own. Stages hold no state of a run; {@link StageRunner} runs them under the run
 * ledger, and the CLI, the pipeline, experiments and tests all go through it.
 *
 * @param <R> what the stage reports back
 */
public interface Stage<R extends StageResult> {
  /** The stage's name in {@code runs.stage_seconds}, the progress log and the Spark UI. */
  String name();

  /** Does the stage's work for {@code ctx}'s run and says what it did. */
  R execute(RunContext ctx);

  /**
   * True when the stage logs its own progress (items per second); otherwise the runner logs the
   * Spark tasks done every few seconds.
   */
  default boolean reportsOwnProgress() {
    return false;
  }

  /**
   * True (the default) when the stage writes tables of the run and is recorded in its {@code runs}
   * row; a stage that only writes files (generate) is timed and labelled but not recorded.
   */
  default boolean recorded() {
    return true;
  }

  /**
   * True (the default) when the stage may read its run's row of {@code runs} (the report, the
   * gates): the runner marks the row running before the stage begins. A stage that never reads it
   * begins while that write is made, and the runner waits for the write before recording the end.
   */
  default boolean readsRunRow() {
    return true;
  }

  /**
   * Writes what follows from the stage's result alone, e.g. its {@code metrics} rows; nothing by
   * default. The runner calls it once {@link #execute} returned, while it records the stage as
   * finished in {@code runs}, so the two commits do not wait for each other; a failure here fails
   * the stage. A job killed between the two may leave the row finished without these rows: running
   * the stage again writes both.
   */
  default void publish(RunContext ctx, R result) {}
}
