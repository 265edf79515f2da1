package io.ecolens.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code run}s of conf/local.yaml on a small generated corpus, each in a JVM of its own, on one
 * shared warehouse (and so one catalog, served by the catalog server): for the tests and the
 * benchmark of runs side by side and runs killed and run again. Each run generates the same corpus
 * (same seed) into a folder of its own and writes its reports there; the {@code rules} judge; no
 * quality gates, whose baseline would be whichever run finished before.
 */
public final class ChildRuns {
  /** The stages of {@code run}, in the order it runs and prints them. */
  public static final List<String> STAGES =
      List.of("generate", "ingest", "sample", "score", "evaluate", "metrics", "gates", "report");

  private ChildRuns() {}

  /** Starts {@code run --run-id runId} under {@code dir}, its output in {@code dir/<runId>.log}. */
  public static Process start(Path dir, Path warehouse, String runId, String master, int rows) throws IOException {
    List<String> args = new ArrayList<>(ChildJvms.cli(dir.resolve(runId + "-ecolens.log")));
    args.addAll(List.of("run", "--run-id", runId, "--conf", "conf/local.yaml"));
    Path own = dir.resolve(runId);
    for (String set : List.of("spark.master=" + master, "generate.rows=" + rows, "sample.size=" + rows / 5,
        "sample.strata=[format]", "generate.output=" + own.resolve("demo"),
        "input.corpus.path=" + own.resolve("demo/corpus"), "input.labels.path=" + own.resolve("demo/labels"),
        "report.output=" + own.resolve("reports"), "catalog.warehouse=" + warehouse, "gates=[]",
        "score.scorer=rules")) {
      args.add("--set");
      args.add(set);
    }
    return new ProcessBuilder(args).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log(dir, runId).toFile())).start();
  }

  /** Where {@link #start} sends the run's output (appended to, by a run started again). */
  public static Path log(Path dir, String runId) {
    return dir.resolve(runId + ".log");
  }

  /**
   * What a failed run left for a failure message: the last lines it printed and the last error
   * with its trace from its log file (the run's folder is a temporary one, gone after the test).
   */
  public static String failureDetail(Path dir, String runId) throws IOException {
    Path console = log(dir, runId);
    List<String> printed = Files.exists(console) ? Files.readAllLines(console) : List.of();
    StringBuilder detail = new StringBuilder("\n--- last lines of " + console + ":\n");
    printed.subList(Math.max(0, printed.size() - 15), printed.size()).forEach(l -> detail.append(l).append('\n'));
    Path logFile = dir.resolve(runId + "-ecolens.log");
    if (Files.exists(logFile)) {
      List<String> logged = Files.readAllLines(logFile);
      int last = -1;
      for (int i = 0; i < logged.size(); i++) {
        if (logged.get(i).contains(" ERROR ")) {
          last = i;
        }
      }
      if (last >= 0) {
        detail.append("--- last error in ").append(logFile).append(":\n");
        logged.subList(last, Math.min(logged.size(), last + 60)).forEach(l -> detail.append(l).append('\n'));
      }
    }
    return detail.toString();
  }

  /** Waits up to {@code minutes} for {@code p}'s exit code; kills it and fails when it takes longer. */
  public static int finish(Process p, String what, int minutes) throws InterruptedException {
    if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
      p.destroyForcibly(); // never leave a child behind
      throw new AssertionError(what + " did not finish within " + minutes + " minutes");
    }
    return p.exitValue();
  }

  /**
   * The stage a run was in when killed, from its output: the one after the last stage it printed
   * as done ({@link #STAGES}); "finished" when it printed its end.
   */
  public static String stageInProgress(Path log) throws IOException {
    String printed = Files.exists(log) ? Files.readString(log) : "";
    if (printed.contains("run finished in")) {
      return "finished";
    }
    int done = -1;
    for (String line : printed.lines().toList()) {
      for (int i = 0; i < STAGES.size(); i++) {
        if (line.startsWith(STAGES.get(i) + " ")) {
          done = Math.max(done, i);
        }
      }
    }
    return done + 1 < STAGES.size() ? STAGES.get(done + 1) : "finishing";
  }
}
