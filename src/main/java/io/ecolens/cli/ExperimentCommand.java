package io.ecolens.cli;

import io.ecolens.config.RunId;
import io.ecolens.experiment.Experiment;
import io.ecolens.experiment.ExperimentStage;
import io.ecolens.experiment.Leaderboard;
import io.ecolens.spark.SparkSessions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code experiment}: scores one labelled sample with every variant of an experiment file and compares them. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
    description = "Score one labelled sample with every variant of an experiment file and compare them: "
        + "experiment_results and <report.output>/<run id>/experiment.html.")
final class ExperimentCommand implements Callable<Integer> {
  @Option(names = "--conf", paramLabel = "FILE", required = true,
      description = "Experiment file, e.g. conf/experiments/demo.yaml.")
  Path conf;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override a key of the shared pipeline config for every variant (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--run-id", paramLabel = "ID",
      description = "Name of the experiment run; variants score under <ID>.<variant> (default: generated).")
  String runId;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    RunId id = runId == null ? RunId.generated() : RunId.of(runId);
    Experiment experiment = Experiment.load(conf, overrides);
    long start = System.nanoTime();
    SparkSession spark = SparkSessions.create(experiment.base(), "ecolens experiment " + experiment.name() + " " + id);
    try {
      ExperimentStage.Result r = new ExperimentStage(spark, experiment, id.value()).execute();
      print(experiment, id, r);
      spec.commandLine().getOut().printf("%nexperiment finished in %.1f s (run_id %s)%n",
          (System.nanoTime() - start) / 1e9, id);
      spec.commandLine().getOut().flush();
      return 0;
    } finally {
      spark.stop();
    }
  }

  private void print(Experiment experiment, RunId id, ExperimentStage.Result r) {
    PrintWriter out = spec.commandLine().getOut();
    out.printf("experiment %s: %d variants on %,d items of run %s%n", experiment.name(), r.scoring().size(), r.items(),
        r.sampleRun());
    for (ExperimentStage.VariantScoring v : r.scoring()) {
      out.printf("  %-22s run %-36s %,d items, %,d reused from the ledger, %,d error rows, paid $%.4f%n",
          v.variant(), v.runId(), v.score().items(), v.score().cachedItems(), v.score().errorRows(),
          v.score().costUsd());
    }
    out.printf("%n  %-22s %22s %22s %14s %12s%n", "variant", "micro F1 [95% CI]", "AUPRC [95% CI]", "$ / 1k items",
        "Pareto");
    for (Leaderboard.Summary s : r.leaderboard().summaries()) {
      out.printf("  %-22s %6.3f [%.3f, %.3f] %6.3f [%.3f, %.3f] %14.4f %12s%n", s.variant(), s.f1(), s.f1Low(),
          s.f1High(), s.auprc(), s.auprcLow(), s.auprcHigh(), s.costPer1kItems(), s.pareto() ? "front" : "");
    }
    out.println();
    for (Leaderboard.Comparison c : r.leaderboard().comparisons()) {
      out.printf("  %s %s %s (micro F1 %+.3f, 95%% CI [%.3f, %.3f], p = %.3f)%n", c.variant(), c.verdict(),
          c.comparedTo(), c.f1().diff(), c.f1().low(), c.f1().high(), c.f1().pValue());
    }
    out.printf("%npage     %s%ntable    %s.experiment_results (run_id %s)%n", r.page(),
        experiment.base().catalog().database(), id);
  }
}
