package io.ecolens.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.config.ConfigLoader;
import io.ecolens.config.RunId;
import io.ecolens.tables.Table;
import io.ecolens.testing.SparkTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.JavaConverters;

/**
 * The {@code runs} row as a run's stages go by: "running" from the first stage to the last, one
 * Delta commit per stage (plus the first start), "succeeded" after the last, "failed" with the
 * reason when a stage throws.
 */
class StageRunnerLedgerTest extends SparkTest {
  private static final String DATABASE = "stage_runner_ledger_test";
  @TempDir Path dir;

  /** A stage that does nothing but say its name and count one. */
  private record Named(String name) implements Stage<Counted> {
    @Override
    public Counted execute(RunContext ctx) {
      return new Counted(name);
    }
  }

  private record Counted(String name) implements StageResult {
    @Override
    public Map<String, Long> counts() {
      return Map.of(name, 1L);
    }

    @Override
    public String summary() {
      return name;
    }
  }

  /** A stage that fails after the runner marked it running. */
  private record Failing(String name) implements Stage<Counted> {
    @Override
    public Counted execute(RunContext ctx) {
      throw new IllegalStateException("the input is gone");
    }
  }

  /**
   * A stage that never reads its run's row, so that the runner marks the row running while it
   * runs; it fails at once when {@code failing}, and publishes its count to {@code published}, or
   * fails there when {@code publishFails}.
   */
  private record Quiet(String name, boolean failing, boolean publishFails, List<String> published)
      implements Stage<Counted> {
    @Override
    public Counted execute(RunContext ctx) {
      if (failing) {
        throw new IllegalStateException("failed before the row was marked running");
      }
      return new Counted(name);
    }

    @Override
    public boolean readsRunRow() {
      return false;
    }

    @Override
    public void publish(RunContext ctx, Counted result) {
      if (publishFails) {
        throw new IllegalStateException("metrics could not be written");
      }
      published.add(result.name());
    }
  }

  private RunContext context(String runId) {
    return context(RunId.of(runId));
  }

  private RunContext context(RunId runId) {
    RunContext ctx = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"),
        List.of("catalog.database=" + DATABASE, "generate.enabled=false", "report.output=" + dir)), runId);
    ctx.store().ensureAll();
    return ctx;
  }

  private Row runRow(RunContext ctx) {
    return ctx.store().readRun(Table.RUNS, ctx.runId()).first();
  }

  private long runsCommits(RunContext ctx) {
    return spark.sql("DESCRIBE HISTORY delta.`" + ctx.store().location(Table.RUNS) + "`").count();
  }

  @Test
  void aRunStaysRunningBetweenItsStagesAndWritesOncePerStage() {
    RunContext ctx = context("several");
    StageRunner runner = new StageRunner(ctx);
    long before = runsCommits(ctx);

    runner.runBeforeMore(new Named("first"));
    assertThat((String) runRow(ctx).getAs("status")).isEqualTo("running");
    runner.runBeforeMore(new Named("second"));
    assertThat((String) runRow(ctx).getAs("status")).isEqualTo("running");
    runner.run(new Named("third"));

    Row run = runRow(ctx);
    assertThat((String) run.getAs("status")).isEqualTo("succeeded");
    assertThat(JavaConverters.mapAsJavaMap(run.<scala.collection.Map<String, Object>>getAs("stage_seconds")))
        .containsOnlyKeys("first", "second", "third");
    assertThat(JavaConverters.mapAsJavaMap(run.<scala.collection.Map<String, Object>>getAs("counts")))
        .containsOnlyKeys("first", "second", "third");
    // the first start, then one write as each stage finishes
    assertThat(runsCommits(ctx) - before).isEqualTo(4);
  }

  @Test
  void aRunThatStopsEarlyIsMarkedSucceeded() {
    RunContext ctx = context("early");
    StageRunner runner = new StageRunner(ctx);

    runner.runBeforeMore(new Named("score"));
    runner.succeeded();

    assertThat((String) runRow(ctx).getAs("status")).isEqualTo("succeeded");
  }

  @Test
  void aFailedStageRecordsItsReasonAndARerunStartsAgain() {
    RunContext ctx = context("failing");
    StageRunner runner = new StageRunner(ctx);
    runner.runBeforeMore(new Named("ingest"));

    assertThatThrownBy(() -> runner.run(new Failing("sample"))).hasMessage("the input is gone");
    Row failed = runRow(ctx);
    assertThat((String) failed.getAs("status")).isEqualTo("failed");
    assertThat((String) failed.getAs("error")).isEqualTo("sample: the input is gone");

    // a new process reruns the stage under the same run id: running again, then succeeded, error cleared
    StageRunner rerun = new StageRunner(context("failing"));
    rerun.run(new Named("sample"));
    Row done = runRow(ctx);
    assertThat((String) done.getAs("status")).isEqualTo("succeeded");
    assertThat((Object) done.getAs("error")).isNull();
  }

  @Test
  void aMintedRunIdStartsItsRowWithoutReadingTheTable() {
    RunId minted = RunId.generated();
    new StageRunner(context(minted.value())).run(new Named("ingest"));

    // the same id as minted: the ledger trusts it to be new and starts from an empty row, so the
    // earlier stage is not merged in (a given id, as in the rerun above, is read and merged)
    RunContext ctx = context(minted);
    assertThat(ctx.newRun()).isTrue();
    new StageRunner(ctx).run(new Named("sample"));
    assertThat(JavaConverters.mapAsJavaMap(runRow(ctx).<scala.collection.Map<String, Object>>getAs("stage_seconds")))
        .containsOnlyKeys("sample");
  }

  @Test
  void aStageThatDoesNotReadItsRowOverlapsTheLedgersWritesAndEndsInTheRightState() {
    RunContext ctx = context("quiet");
    long before = runsCommits(ctx);
    List<String> published = new java.util.concurrent.CopyOnWriteArrayList<>();

    new StageRunner(ctx).run(new Quiet("score", false, false, published));
    assertThat(published).containsExactly("score");
    assertThat((String) runRow(ctx).getAs("status")).isEqualTo("succeeded");
    assertThat(runsCommits(ctx) - before).isEqualTo(2); // marked running, then finished: nothing more

    // a stage failing while its row is still being marked running ends failed, not running
    assertThatThrownBy(() -> new StageRunner(context("quiet")).run(new Quiet("score", true, false, published)))
        .hasMessage("failed before the row was marked running");
    Row failed = runRow(ctx);
    assertThat((String) failed.getAs("status")).isEqualTo("failed");
    assertThat((String) failed.getAs("error")).isEqualTo("score: failed before the row was marked running");

    // what the stage publishes fails after the row was marked finished: the run ends failed with that reason
    assertThatThrownBy(() -> new StageRunner(context("quiet")).run(new Quiet("score", false, true, published)))
        .hasMessage("metrics could not be written");
    Row unpublished = runRow(ctx);
    assertThat((String) unpublished.getAs("status")).isEqualTo("failed");
    assertThat((String) unpublished.getAs("error")).isEqualTo("score: metrics could not be written");
    assertThat(published).containsExactly("score");
  }
}
