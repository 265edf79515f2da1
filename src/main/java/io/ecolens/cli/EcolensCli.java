package io.ecolens.cli;

import io.ecolens.EcolensException;
import io.ecolens.Errors;
import io.ecolens.run.RunLedger;
import io.ecolens.spark.CommonPool;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The ecolens command line: one subcommand per stage, plus {@code run} for all of them. */
@Command(name = "ecolens", mixinStandardHelpOptions = true,
    versionProvider = EcolensCli.Version.class,
    description = "Batch evaluation of content health and LLM moderation quality on Apache Spark.",
    subcommands = {
        StageCommands.Generate.class,
        StageCommands.Ingest.class,
        StageCommands.Sample.class,
        StageCommands.Score.class,
        StageCommands.Train.class,
        StageCommands.Evaluate.class,
        StageCommands.Metrics.class,
        StageCommands.Gates.class,
        StageCommands.Render.class,
        StageCommands.Report.class,
        StageCommands.Run.class,
        SimulateLlmCommand.class,
        CatalogCommand.class,
        ExperimentCommand.class})
public final class EcolensCli implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    CommonPool.widen(); // before anything starts the common ForkJoinPool
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code (0 success, 2 config, 3 input, 4 stage, 5 gates, 6 scoring, 7 batches still running). */
  public static int execute(String... args) {
    return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs the command line with the given output streams (for tests and embedding). */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new EcolensCli()).setOut(out).setErr(err);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintWriter stderr = commandLine.getErr();
      EcolensException known = find(e);
      String command = commandLine.getCommandName();
      if (known != null) {
        stderr.println("error: " + known.getMessage()); // names the problem and its fix
      } else {
        // a short message and where the full trace went, never the trace: a failure deep in Spark or
        // the catalog is thousands of lines that hide the one that matters
        stderr.println("error: " + command + " failed: " + Failures.rootCause(e));
        String hint = Failures.hint(e);
        if (hint != null) {
          stderr.println("likely cause: " + hint);
        }
      }
      if (known == null || known.getCause() != null) {
        Path trace = Failures.record(command, e);
        stderr.println(trace == null ? "(the full trace could not be written to a file)" : "full trace: " + trace);
      }
      stderr.flush();
      return known != null ? known.exitCode() : Errors.EXIT_STAGE;
    });
    return cli.execute(args);
  }

  private static EcolensException find(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EcolensException known) {
        return known;
      }
    }
    return null;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"ecolens " + RunLedger.APP_VERSION};
    }
  }
}
