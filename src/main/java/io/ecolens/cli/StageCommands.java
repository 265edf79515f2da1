package io.ecolens.cli;

import io.ecolens.config.EcolensConfig;
import io.ecolens.evaluate.EvaluateStage;
import io.ecolens.gate.GateStage;
import io.ecolens.generate.CorpusGenerator;
import io.ecolens.ingest.IngestStage;
import io.ecolens.metrics.MetricsStage;
import io.ecolens.report.ReportStage;
import io.ecolens.run.Progress;
import io.ecolens.run.RunContext;
import io.ecolens.run.RunLedger;
import io.ecolens.run.StageRunner;
import io.ecolens.sample.SampleStage;
import io.ecolens.score.ScoreStage;
import io.ecolens.spark.SparkSessions;
import io.ecolens.tables.Table;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The stage subcommands. Each loads the config, starts Spark, runs its stage(s) and reports. */
final class StageCommands {
  private StageCommands() {}

  /** Shared flow: config, session, run ledger, stage, summary. */
  abstract static class StageCommand implements Callable<Integer> {
    @Mixin CommonOptions options;

    final PrintStream out = System.out;

    /** The command's exit code once its stages ran: 0, or {@link io.ecolens.Errors#EXIT_GATE} after a failed gate. */
    int exitCode;

    @Override
    public Integer call() {
      EcolensConfig config = configure(options.config());
      String runId = options.runId();
      if (options.validateOnly) {
        spec.commandLine().getOut().println(ValidateOnly.check(name(), config, runId));
        spec.commandLine().getOut().flush();
        return 0;
      }
      long start = System.nanoTime();
      // a command stops only a session it started, so an embedding application (or a test) keeps its own
      boolean ownSession = SparkSession.getDefaultSession().isEmpty();
      SparkSession spark = SparkSessions.create(config, "ecolens " + name() + " " + runId);
      try {
        RunContext ctx = new RunContext(spark, config, runId);
        run(ctx);
        out.printf("%n%s finished in %.1f s (run_id %s)%n", name(), (System.nanoTime() - start) / 1e9, runId);
        if (exitCode == io.ecolens.Errors.EXIT_GATE) {
          spec.commandLine().getErr().printf(
              "quality gates failed for run %s: exit code %d (see table gate_results and the report)%n", runId, exitCode);
          spec.commandLine().getErr().flush();
        }
        return exitCode;
      } finally {
        if (ownSession) {
          spark.stop();
        }
      }
    }

    /** Applies command-specific options to the loaded config. */
    EcolensConfig configure(EcolensConfig config) {
      return config;
    }

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    /** The command's name, from its {@code @Command} annotation. */
    String name() {
      return spec.name();
    }

    abstract void run(RunContext ctx);

    /** Runs one stage under the run ledger: recorded as running, then its timing and counts. */
    static <R> R stage(RunContext ctx, String stage, Function<RunContext, R> body,
        Function<R, Map<String, Long>> counts, Function<R, Double> seconds) {
      RunLedger ledger = new RunLedger(ctx);
      ctx.store().ensureAll();
      ledger.started(stage);
      try (Progress tasks = stage.equals("score") ? null : Progress.tasks(ctx.spark(), stage)) {
        R result = body.apply(ctx);
        ledger.finished(stage, seconds.apply(result), counts.apply(result), java.util.Optional.empty());
        return result;
      } catch (RuntimeException e) {
        try {
          ledger.failed(stage, String.valueOf(e.getMessage()));
        } catch (RuntimeException ledgerFailure) {
          e.addSuppressed(ledgerFailure);
        }
        throw e;
      }
    }

    static IngestStage.Result ingest(RunContext ctx) {
      return new StageRunner(ctx).run(new IngestStage()).result();
    }

    static SampleStage.Result sample(RunContext ctx) {
      return new StageRunner(ctx).run(new SampleStage()).result();
    }

    static ScoreStage.Result score(RunContext ctx) {
      return new StageRunner(ctx).run(new ScoreStage()).result();
    }

    static EvaluateStage.Result evaluate(RunContext ctx) {
      return new StageRunner(ctx).run(new EvaluateStage()).result();
    }

    /** The report's three stages in order: metrics, gates, report (render); what each did and its time. */
    record Reported(StageRunner.Timed<MetricsStage.Result> metrics, StageRunner.Timed<GateStage.Result> gates,
        StageRunner.Timed<ReportStage.Result> report) {
      double seconds() {
        return metrics.seconds() + gates.seconds() + report.seconds();
      }
    }

    static Reported report(RunContext ctx) {
      StageRunner runner = new StageRunner(ctx);
      return new Reported(runner.run(new MetricsStage()), runner.run(new GateStage()), runner.run(new ReportStage()));
    }

    /** Prints a finished stage as 'run' does: "ingest    read 20,000 = ... (24.7 s)", then its detail lines. */
    void print(StageRunner.Timed<?> timed) {
      out.printf("%-9s %s (%.1f s)%n", timed.stage(), timed.result().summary(), timed.seconds());
      timed.result().details().forEach(out::println);
    }

    /** Prints the gates' outcome and returns the exit code they call for: 0, or EXIT_GATE when one failed. */
    int gates(GateStage.Result gates) {
      gates.details().forEach(out::println);
      return gates.failed().isEmpty() ? 0 : io.ecolens.Errors.EXIT_GATE;
    }

    /** Adds {@code --baseline-run} to the overrides when given. */
    EcolensConfig withBaseline(EcolensConfig c, String baselineRun) {
      if (baselineRun == null) {
        return c;
      }
      options.overrides.add("comparison.baseline-run=" + baselineRun);
      return options.config();
    }
  }

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = "Write the synthetic demo corpus, human labels and ground truth (JSON lines).")
  static final class Generate extends StageCommand {
    @Option(names = "--rows", paramLabel = "N", description = "Lines to write (default: generate.rows).")
    Long rows;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: generate.output).")
    String outDir;

    @Override
    EcolensConfig configure(EcolensConfig c) {
      if (rows != null) {
        options.overrides.add("generate.rows=" + rows);
      }
      if (outDir != null) {
        options.overrides.add("generate.output=" + outDir);
      }
      return rows == null && outDir == null ? c : options.config();
    }


    @Override
    void run(RunContext ctx) {
      CorpusGenerator.Result r = CorpusGenerator.execute(ctx.spark(), ctx.config().generate(), ctx.policy());
      out.printf("generated %,d lines (%,d malformed) into %s; %,d human label rows into %s%n",
          r.rows(), r.malformedRows(), r.corpusPath(), r.labelRows(), r.labelsPath());
    }
  }

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = "Validate, normalise and dedupe the corpus into content / content_quarantine; load labels.")
  static final class Ingest extends StageCommand {

    @Override
    void run(RunContext ctx) {
      out.printf("%s%n", ingest(ctx).summary());
    }
  }

  @Command(name = "sample", mixinStandardHelpOptions = true,
      description = "Draw the stratified sample of the run's content into samples.")
  static final class Sample extends StageCommand {

    @Override
    void run(RunContext ctx) {
      SampleStage.Result r = sample(ctx);
      out.printf("sampled %s%n", r.summary());
    }
  }

  @Command(name = "score", mixinStandardHelpOptions = true,
      description = "Score the sampled items against every policy category into scores.")
  static final class Score extends StageCommand {
    @Option(names = "--estimate",
        description = "Print the requests, tokens and cost scoring would need, then stop without sending anything.")
    boolean estimate;

    @Override
    void run(RunContext ctx) {
      if (estimate) {
        ScoreStage.Estimate e = new ScoreStage().estimate(ctx);
        out.printf("estimate: %,d items: %,d already committed by this run, %,d reusable from earlier runs, "
            + "%,d to send%n          %,d requests, ~%,d input + ~%,d output tokens, ~$%.4f%n",
            e.items(), e.committedItems(), e.cachedItems(), e.toScoreItems(), e.requests(), e.inputTokens(),
            e.outputTokens(), e.costUsd());
        return;
      }
      ScoreStage.Result r = score(ctx);
      out.printf("scored %,d items (%,d reused from earlier runs), %,d error rows, cost $%.4f%n",
          r.items(), r.cachedItems(), r.errorRows(), r.costUsd());
      if (r.deferredItems() > 0) {
        out.printf("stopped at the budget cap score.max-cost: %,d items left; run score again with --run-id %s "
            + "to resume%n", r.deferredItems(), ctx.runId());
      }
    }
  }

  @Command(name = "simulate-llm", mixinStandardHelpOptions = true,
      description = "Serve an OpenAI-compatible chat-completions simulator on loopback until stopped (tests, benchmarks).")
  static final class SimulateLlm implements Callable<Integer> {
    @Option(names = "--port", description = "Port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port = 8000;

    @Option(names = "--model", description = "Model name served (default: ${DEFAULT-VALUE}).")
    String model = "sim-model";

    @Option(names = "--policy", description = "Policy whose rules decide the answers (default: ${DEFAULT-VALUE}).")
    String policy = "conf/policies/default.yaml";

    @Option(names = "--latency-ms", description = "Latency of every answer (default: ${DEFAULT-VALUE}).")
    long latencyMs = 200;

    @Option(names = "--max-concurrency", description = "Requests served at once; 0 = no cap (default: ${DEFAULT-VALUE}).")
    int maxConcurrency;

    @Option(names = "--over-cap", description = "queue or reject (429) requests over the cap (default: ${DEFAULT-VALUE}).")
    String overCap = "queue";

    @Option(names = "--rpm", description = "Requests per minute before 429 with Retry-After; 0 = none.")
    int rpm;

    @Option(names = "--rate-429", description = "Share of requests answered 429.")
    double rate429;

    @Option(names = "--rate-500", description = "Share of requests answered 500.")
    double rate500;

    @Option(names = "--rate-timeout", description = "Share of requests that hang, then drop the connection.")
    double rateTimeout;

    @Option(names = "--rate-malformed", description = "Share of answers that are malformed JSON or miss an item.")
    double rateMalformed;

    @Option(names = "--hang-ms", description = "How long a 'timeout' request hangs (default: ${DEFAULT-VALUE}).")
    long hangMs = 30_000;

    @Option(names = "--retry-after", description = "Retry-After seconds of injected 429s (default: ${DEFAULT-VALUE}).")
    int retryAfter = 1;

    @Option(names = "--api-key-env",
        description = "Require 'Authorization: Bearer <key>' with the key held in this environment variable.")
    String apiKeyEnv;

    @Option(names = "--seed", description = "Seed of the fault injection (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--validate-only", description = "Check the options and the policy, print 'valid' and exit 0.")
    boolean validateOnly;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      if (validateOnly) {
        spec.commandLine().getOut().println(ValidateOnly.checkSimulator(policy, port, overCap,
            new double[] {rate429, rate500, rateTimeout, rateMalformed}));
        spec.commandLine().getOut().flush();
        return 0;
      }
      String key = apiKeyEnv == null ? null : io.ecolens.scorer.openai.OpenAiClient.apiKey(apiKeyEnv);
      io.ecolens.simulator.LlmSimulator.Settings s = new io.ecolens.simulator.LlmSimulator.Settings(port, model,
          latencyMs, maxConcurrency, overCap.equals("reject"), rpm, rate429, rate500, rateTimeout, rateMalformed,
          hangMs, retryAfter, key, seed);
      io.ecolens.simulator.LlmSimulator sim = io.ecolens.simulator.LlmSimulator.start(s,
          io.ecolens.policy.PolicyLoader.load(java.nio.file.Path.of(policy)));
      System.out.printf("LLM simulator serving model %s at %s (stats: http://127.0.0.1:%d/stats); Ctrl-C stops it%n",
          model, sim.endpoint(), sim.port());
      Runtime.getRuntime().addShutdownHook(new Thread(sim::close));
      Thread.currentThread().join();
      return 0;
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Fit the embedded scorer's per-category heads on the run's human labels; cross-validated "
          + "precision/recall/F1/AUPRC into metrics (report 'train').")
  static final class Train extends StageCommand {
    @Override
    void run(RunContext ctx) {
      io.ecolens.train.TrainStage.Result r = new StageRunner(ctx).run(new io.ecolens.train.TrainStage()).result();
      out.println(r.summary());
      r.details().forEach(out::println);
    }
  }

  @Command(name = "evaluate", mixinStandardHelpOptions = true,
      description = "Compare scores with adjudicated human labels into evaluations, metrics and review_queue.")
  static final class Evaluate extends StageCommand {

    @Override
    void run(RunContext ctx) {
      EvaluateStage.Result r = evaluate(ctx);
      out.printf("evaluated %,d item x category pairs, %,d queued for review%n", r.evaluated(), r.reviewQueue());
    }
  }

  /** {@code --baseline-run}, shared by the commands that write a report. */
  static final class BaselineOption {
    @Option(names = "--baseline-run", paramLabel = "ID",
        description = "Run to compare with (default: comparison.baseline-run, else the latest good earlier run).")
    String runId;
  }

  @Command(name = "report", mixinStandardHelpOptions = true,
      description = "Write prevalence metrics, report.html and summary.json for the run.")
  static final class Report extends StageCommand {
    @Mixin BaselineOption baseline;

    @Override
    EcolensConfig configure(EcolensConfig c) {
      return withBaseline(c, baseline.runId);
    }

    @Override
    void run(RunContext ctx) {
      Reported r = report(ctx);
      out.printf("report: %s%n", r.report().result().htmlPath());
      exitCode = gates(r.gates().result());
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Run every stage in order: generate (when generate.enabled), ingest, sample, score, evaluate, report.")
  static final class Run extends StageCommand {
    @Mixin BaselineOption baseline;

    @Override
    EcolensConfig configure(EcolensConfig c) {
      return withBaseline(c, baseline.runId);
    }

    @Override
    void run(RunContext ctx) {
      EcolensConfig c = ctx.config();
      if (c.generate().enabled()) {
        CorpusGenerator.Result g = CorpusGenerator.execute(ctx.spark(), c.generate(), ctx.policy());
        out.printf("generate  %,d demo lines (%,d malformed) in %.1f s%n", g.rows(), g.malformedRows(), g.seconds());
      }
      StageRunner runner = new StageRunner(ctx);
      print(runner.run(new IngestStage()));
      print(runner.run(new SampleStage()));
      StageRunner.Timed<ScoreStage.Result> sc = runner.run(new ScoreStage());
      print(sc);
      if (sc.result().deferredItems() > 0) {
        return;
      }
      print(runner.run(new EvaluateStage()));
      Reported r = report(ctx);
      out.printf("report    %s (%.1f s)%n", r.report().result().htmlPath(), r.seconds());
      exitCode = gates(r.gates().result());
      out.printf("%ntables    %s.{%s}%n", ctx.store().database(), String.join(",",
          java.util.Arrays.stream(Table.values()).map(Table::tableName).toList()));
      out.printf("warehouse %s%n", c.catalog().embedded()
          ? java.nio.file.Path.of(c.catalog().warehouse()).toAbsolutePath() : "(cluster catalog)");
    }
  }

  @Command(name = "experiment", mixinStandardHelpOptions = true,
      description = "Score one labelled sample with every variant of an experiment file and compare them: "
          + "experiment_results and <report.output>/<run id>/experiment.html.")
  static final class Experiment implements Callable<Integer> {
    @Option(names = "--conf", paramLabel = "FILE", required = true,
        description = "Experiment file, e.g. conf/experiments/demo.yaml.")
    java.nio.file.Path conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
        description = "Override a key of the shared pipeline config for every variant (repeatable).")
    java.util.List<String> overrides = new java.util.ArrayList<>();

    @Option(names = "--run-id", paramLabel = "ID",
        description = "Name of the experiment run; variants score under <ID>.<variant> (default: generated).")
    String runId;

    @Override
    public Integer call() {
      io.ecolens.experiment.Experiment experiment = io.ecolens.experiment.Experiment.load(conf, overrides);
      CommonOptions ids = new CommonOptions();
      ids.runId = runId;
      String id = ids.runId();
      long start = System.nanoTime();
      SparkSession spark = SparkSessions.create(experiment.base(), "ecolens experiment " + experiment.name() + " " + id);
      try {
        io.ecolens.experiment.ExperimentStage.Runners runners = new io.ecolens.experiment.ExperimentStage.Runners(
            StageCommand::ingest, StageCommand::sample, StageCommand::score);
        io.ecolens.experiment.ExperimentStage.Result r =
            new io.ecolens.experiment.ExperimentStage(spark, experiment, id, runners).execute();
        PrintStream out = System.out;
        out.printf("experiment %s: %d variants on %,d items of run %s%n", experiment.name(),
            r.scoring().size(), r.items(), r.sampleRun());
        for (io.ecolens.experiment.ExperimentStage.VariantScoring v : r.scoring()) {
          out.printf("  %-22s run %-36s %,d items, %,d reused from the ledger, %,d error rows, paid $%.4f%n",
              v.variant(), v.runId(), v.score().items(), v.score().cachedItems(), v.score().errorRows(),
              v.score().costUsd());
        }
        out.printf("%n  %-22s %22s %22s %14s %12s%n", "variant", "micro F1 [95% CI]", "AUPRC [95% CI]",
            "$ / 1k items", "Pareto");
        for (io.ecolens.experiment.Leaderboard.Summary s : r.leaderboard().summaries()) {
          out.printf("  %-22s %6.3f [%.3f, %.3f] %6.3f [%.3f, %.3f] %14.4f %12s%n", s.variant(), s.f1(), s.f1Low(),
              s.f1High(), s.auprc(), s.auprcLow(), s.auprcHigh(), s.costPer1kItems(), s.pareto() ? "front" : "");
        }
        out.println();
        for (io.ecolens.experiment.Leaderboard.Comparison c : r.leaderboard().comparisons()) {
          out.printf("  %s %s %s (micro F1 %+.3f, 95%% CI [%.3f, %.3f], p = %.3f)%n", c.variant(), c.verdict(),
              c.comparedTo(), c.f1().diff(), c.f1().low(), c.f1().high(), c.f1().pValue());
        }
        out.printf("%npage     %s%ntable    %s.experiment_results (run_id %s)%n", r.page(),
            experiment.base().catalog().database(), id);
        out.printf("%nexperiment finished in %.1f s (run_id %s)%n", (System.nanoTime() - start) / 1e9, id);
        return 0;
      } finally {
        spark.stop();
      }
    }
  }
}
