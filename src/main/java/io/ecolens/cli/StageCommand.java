package io.ecolens.cli;

import io.ecolens.config.EcolensConfig;
import io.ecolens.config.RunId;
import io.ecolens.config.Validation;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageResult;
import io.ecolens.run.StageRunner;
import io.ecolens.spark.SparkSessions;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that runs stages of one run: checks the run id, the config and (before Spark starts)
 * the policy, gates and inputs; then starts Spark, runs its stages through a {@link StageRunner}
 * and prints one line per stage. Subclasses say which stages; the runner does the rest.
 */
abstract class StageCommand implements Callable<Integer> {
  @Mixin CommonOptions options;

  @Spec CommandSpec spec;

  /** What the command reads besides the run's tables, checked before Spark starts. */
  Validation.Inputs inputs() {
    return Validation.Inputs.TABLES;
  }

  /** {@code --set} overrides the command's own options stand for (e.g. --rows, --baseline-run). */
  List<String> overrides() {
    return List.of();
  }

  /** Checks the command's own options against the config, before Spark starts; throws an exit-code error. */
  void checkOptions(EcolensConfig config) {}

  /** Runs the command's stages and returns the exit code. */
  abstract int run(StageRunner runner);

  @Override
  public Integer call() {
    RunId runId = options.runId();
    EcolensConfig config = options.config(overrides());
    List<String> checked = Validation.check(config, runId, inputs());
    checkOptions(config);
    if (options.validateOnly) {
      out().println("valid: " + spec.name() + " (" + String.join(", ", checked) + ")");
      out().flush();
      return 0;
    }
    long start = System.nanoTime();
    // a command stops only a session it started, so an embedding application (or a test) keeps its own
    boolean ownSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = SparkSessions.create(config, "ecolens " + spec.name() + " " + runId);
    try {
      int exitCode = run(new StageRunner(new RunContext(spark, config, runId)));
      out().printf("%n%s finished in %.1f s (run_id %s)%n", spec.name(), (System.nanoTime() - start) / 1e9, runId);
      out().flush();
      return exitCode;
    } finally {
      if (ownSession) {
        spark.stop();
      }
    }
  }

  /** Runs one stage and prints its line. */
  <R extends StageResult> R runAndPrint(StageRunner runner, io.ecolens.run.Stage<R> stage) {
    StageRunner.Timed<R> timed = runner.run(stage);
    print(timed);
    return timed.result();
  }

  /** Prints a finished stage: "ingest    read 20,000 = ... (24.7 s)", then its detail lines. */
  void print(StageRunner.Timed<?> timed) {
    out().printf("%-9s %s (%.1f s)%n", timed.stage(), timed.result().summary(), timed.seconds());
    timed.result().details().forEach(out()::println);
    out().flush();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /**
   * Says on stderr that gates failed, and how many of them because the run had no data for their
   * figure (no scored or labelled items: not a regression); returns the exit code for it.
   */
  int gatesFailed(String runId, io.ecolens.gate.GateStage.Result gates) {
    long noData = gates.failed().stream().filter(io.ecolens.gate.GateResult::noData).count();
    spec.commandLine().getErr().printf(
        "quality gates failed for run %s: exit code %d (see table gate_results and the report)%s%n", runId,
        io.ecolens.Errors.EXIT_GATE, noData == 0 ? ""
            : String.format("; %d of the %d failed for lack of data (status no_data), not for a change in quality",
                noData, gates.failed().size()));
    spec.commandLine().getErr().flush();
    return io.ecolens.Errors.EXIT_GATE;
  }
}
