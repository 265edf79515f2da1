package io.ecolens.experiment;

import static org.apache.spark.sql.functions.lit;

import io.ecolens.Errors;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.evaluate.Adjudication;
import io.ecolens.generate.CorpusGenerator;
import io.ecolens.policy.Policy;
import io.ecolens.ingest.IngestStage;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageRunner;
import io.ecolens.sample.SampleStage;
import io.ecolens.score.ScoreStage;
import io.ecolens.score.ScorerSpec;
import io.ecolens.simulator.LlmSimulator;
import io.ecolens.spark.Seqs;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * experiment: scores one labelled sample with every variant of an experiment and compares them.
 *
 * <ol>
 *   <li>The sample: the run named by {@code sample-run}, else this run's own (generate when
 *       {@code generate.enabled}, ingest, sample with the shared config).
 *   <li>Each variant scores the sample in a run of its own, {@code <run id>.<variant>}, through
 *       the score stage: its rows share the scoring ledger (content_hash, policy_version,
 *       prompt_hash, model), so a variant scored before, by any run, costs nothing again.
 *       Two variants with the same ledger key are refused: the second would only copy the first.
 *   <li>The verdicts of the sample's items (bounded by {@code max-items}) are compared with the
 *       adjudicated human labels on the driver ({@link Leaderboard}); the figures go to
 *       {@code experiment_results}, the page to {@code <report.output>/<run id>/experiment.html}.
 * </ol>
 */
public final class ExperimentStage {
  private static final Logger LOG = LoggerFactory.getLogger(ExperimentStage.class);

  /** What one variant's scoring did. */
  public record VariantScoring(String variant, String runId, ScoreStage.Result score) {}

  /** What the experiment produced. */
  public record Result(String runId, String sampleRun, long items, List<VariantScoring> scoring,
      Leaderboard leaderboard, Map<String, List<Disagreements.Example>> examples, Path page, double seconds) {}

  private final SparkSession spark;
  private final Experiment experiment;
  private final String runId;

  public ExperimentStage(SparkSession spark, Experiment experiment, String runId) {
    this.spark = spark;
    this.experiment = experiment;
    this.runId = runId;
  }

  /** The run id a variant's scores are written under. */
  public static String variantRunId(String runId, String variant) {
    return runId + "." + variant;
  }

  public Result execute() {
    long start = System.nanoTime();
    EcolensConfig base = experiment.base();
    RunContext baseCtx = new RunContext(spark, base, runId);
    TableStore store = baseCtx.store();
    store.ensureAll();
    String sampleRun = prepareSample(baseCtx);
    Dataset<Row> samples = store.requireRun(Table.SAMPLES, sampleRun, "sample");
    List<String> itemIds = samples.select("content_id").orderBy("content_id").as(
        org.apache.spark.sql.Encoders.STRING()).limit(experiment.settings().maxItems() + 1).collectAsList();
    if (itemIds.size() > experiment.settings().maxItems()) {
      throw Errors.config(experiment.source(), "max-items", "the sample of run '" + sampleRun + "' holds more than "
          + experiment.settings().maxItems() + " items; lower sample.size in 'set' or raise max-items "
          + "(the paired statistics keep one verdict per item and category in the driver's memory)");
    }
    Map<String, Integer> itemIndex = new HashMap<>();
    for (int i = 0; i < itemIds.size(); i++) {
      itemIndex.put(itemIds.get(i), i);
    }

    List<Leaderboard.VariantInfo> infos = new ArrayList<>();
    List<ScorerSpec> specs = new ArrayList<>();
    for (Experiment.Variant v : experiment.variants()) {
      EcolensConfig config = v.config(v.simulator() == null ? null : "http://127.0.0.1:1/v1");
      RunContext ctx = new RunContext(spark, config, variantRunId(runId, v.name()));
      ScorerSpec spec = ScorerSpec.of(config, ctx.policy(), spark.sparkContext().hadoopConfiguration());
      specs.add(spec);
      infos.add(new Leaderboard.VariantInfo(v.name(), v.description(), spec.type().id(), spec.model(),
          spec.policy().version(), spec.promptHash(), settingsJson(config, v), ctx.runId()));
    }
    refuseSharedLedgerKeys(infos);
    List<String> categories = specs.get(0).policy().categories().stream().map(Policy.Category::id).toList();
    for (ScorerSpec s : specs) {
      List<String> theirs = s.policy().categories().stream().map(Policy.Category::id).toList();
      if (!theirs.equals(categories)) {
        throw Errors.config(experiment.source(), "variants", "variants' policies must have the same categories to "
            + "be compared on the same labels; found " + categories + " and " + theirs);
      }
    }

    List<VariantScoring> scoring = new ArrayList<>();
    for (int i = 0; i < experiment.variants().size(); i++) {
      scoring.add(score(experiment.variants().get(i), sampleRun, store));
    }

    Dataset<Row> labels = store.readRun(Table.POLICY_LABELS, sampleRun);
    Dataset<Row> adjudicated = Adjudication.adjudicate(labels, base.evaluate().adjudication(),
        base.evaluate().dawidSkeneIterations());
    Judgements human = VariantReads.humanLabels(adjudicated, categories, itemIndex);
    List<Judgements> verdicts = new ArrayList<>();
    List<VariantReads.Operations> operations = new ArrayList<>();
    for (int i = 0; i < infos.size(); i++) {
      Judgements j = new Judgements(categories, itemIds.size());
      VariantReads.verdicts(store, infos.get(i).runId(), itemIndex, j);
      verdicts.add(j);
      operations.add(VariantReads.operations(store, infos.get(i).runId(), specs.get(i)));
    }
    ExperimentConfig.BootstrapSettings b = experiment.settings().bootstrap();
    Leaderboard board = Leaderboard.compute(infos, human, verdicts, operations,
        new PairedBootstrap(b.iterations(), b.seed()));
    writeResults(store, board, infos);

    Map<String, List<Disagreements.Example>> examples = new LinkedHashMap<>();
    String baseline = experiment.baseline().name();
    String baselineRun = variantRunId(runId, baseline);
    for (Leaderboard.VariantInfo info : infos) {
      if (!info.name().equals(baseline)) {
        examples.put(info.name(), Disagreements.find(store, info.runId(), baselineRun, sampleRun, adjudicated,
            experiment.settings().examples()));
      }
    }
    Map<String, ExperimentPage.CascadeCurve> curves = new java.util.LinkedHashMap<>();
    for (Leaderboard.VariantInfo info : infos) {
      VariantReads.cascadeCurve(store, info.runId()).ifPresent(c -> curves.put(info.name(), c));
    }
    Path page = ExperimentPage.write(Path.of(base.report().output()).resolve(runId),
        new ExperimentPage.Model(experiment.name(), experiment.settings().description(), runId, sampleRun,
            itemIds.size(), baseline, infos, board, examples, b.iterations(), b.seed(), curves));
    LOG.info("experiment {}: {} variants on {} items of run {}; page {}", experiment.name(), infos.size(),
        itemIds.size(), sampleRun, page);
    return new Result(runId, sampleRun, itemIds.size(), scoring, board, examples, page,
        (System.nanoTime() - start) / 1e9);
  }

  /** The run holding the sample and labels: {@code sample-run}, or this run after ingest and sample. */
  private String prepareSample(RunContext ctx) {
    String named = experiment.settings().sampleRun();
    if (named != null) {
      ctx.store().requireRun(Table.SAMPLES, named, "sample");
      return named;
    }
    EcolensConfig c = ctx.config();
    if (c.generate().enabled()) {
      CorpusGenerator.execute(spark, c.generate(), ctx.policy());
    }
    ConfigLoader.requireCorpusPath(experiment.source(), c);
    StageRunner runner = new StageRunner(ctx);
    runner.run(new IngestStage());
    runner.run(new SampleStage());
    return ctx.runId();
  }

  /** Copies the sample and its items into the variant's run, starts its simulator, and scores. */
  private VariantScoring score(Experiment.Variant v, String sampleRun, TableStore store) {
    String variantRun = variantRunId(runId, v.name());
    Dataset<Row> samples = store.readRun(Table.SAMPLES, sampleRun);
    store.replaceRun(Table.SAMPLES, variantRun, samples.withColumn("run_id", lit(variantRun)));
    store.replaceRun(Table.CONTENT, variantRun, store.readRun(Table.CONTENT, sampleRun)
        .join(samples.select("content_id"), Seqs.of("content_id"), "left_semi")
        .withColumn("run_id", lit(variantRun)));
    LlmSimulator simulator = null;
    try {
      EcolensConfig config = v.config(null);
      if (v.simulator() != null) {
        RunContext probe = new RunContext(spark, config, variantRun);
        simulator = LlmSimulator.start(new LlmSimulator.Settings(0, config.score().openai().model(),
            v.simulator().latencyMs(), v.simulator().maxConcurrency(), false, 0, 0, 0, 0, 0, 30_000, 1, null, 42),
            probe.policy());
        config = v.config(simulator.endpoint());
      }
      RunContext ctx = new RunContext(spark, config, variantRun);
      LOG.info("experiment {}: variant {} ({})", experiment.name(), v.name(), config.score().scorer());
      ScoreStage.Result r = new StageRunner(ctx).run(new ScoreStage()).result();
      return new VariantScoring(v.name(), variantRun, r);
    } finally {
      if (simulator != null) {
        simulator.close();
      }
    }
  }

  private void refuseSharedLedgerKeys(List<Leaderboard.VariantInfo> infos) {
    for (int a = 0; a < infos.size(); a++) {
      for (int b = a + 1; b < infos.size(); b++) {
        Leaderboard.VariantInfo x = infos.get(a);
        Leaderboard.VariantInfo y = infos.get(b);
        if (x.model().equals(y.model()) && x.policyVersion().equals(y.policyVersion())
            && x.promptHash().equals(y.promptHash())) {
          throw Errors.config(experiment.source(), "variants[" + y.name() + "]", "variants '" + x.name() + "' and '"
              + y.name() + "' have the same scoring-ledger key (model " + x.model() + ", policy version "
              + x.policyVersion() + ", prompt hash " + x.promptHash().substring(0, 12) + "), so '" + y.name()
              + "' would reuse the verdicts of '" + x.name() + "' instead of scoring; settings outside the key "
              + "(items-per-request, temperature, endpoint) do not separate them. Give one of them another model "
              + "name, policy file or policy version");
        }
      }
    }
  }

  private static String settingsJson(EcolensConfig config, Experiment.Variant v) {
    com.fasterxml.jackson.databind.node.ObjectNode score =
        (com.fasterxml.jackson.databind.node.ObjectNode) ConfigLoader.redacted(config).get("score").deepCopy();
    if (v.simulator() != null) {
      score.with("openai").put("endpoint", "in-process simulator");
      score.putObject("simulator").put("latency-ms", v.simulator().latencyMs())
          .put("max-concurrency", v.simulator().maxConcurrency());
    }
    return score.toString();
  }

  private void writeResults(TableStore store, Leaderboard board, List<Leaderboard.VariantInfo> infos) {
    Map<String, Leaderboard.VariantInfo> byName = new HashMap<>();
    infos.forEach(i -> byName.put(i.name(), i));
    List<Row> rows = new ArrayList<>();
    for (ResultRow r : board.rows()) {
      rows.add(r.toRow(runId, experiment.name(), byName.get(r.variant())));
    }
    store.replaceRun(Table.EXPERIMENT_RESULTS, runId, spark.createDataFrame(rows, Table.EXPERIMENT_RESULTS.schema()));
  }
}
