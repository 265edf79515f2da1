package io.ecolens.report;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig;
import io.ecolens.gate.GateStage;
import io.ecolens.diversity.DiversityMetrics;
import io.ecolens.config.DiversitySettings;
import io.ecolens.policy.Policy;
import io.ecolens.run.RunLedger;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The report stage: estimates label prevalence on the sample, writes it to {@code metrics}
 * (report = prevalence for whole-run and per-format figures, prevalence_slices for per-stratum
 * figures and low-n warnings), and renders the run's figures to {@code <report.output>/<run_id>/}
 * as a self-contained {@code report.html} and a machine-readable {@code summary.json}.
 *
 * <p>Needs the run's {@code samples} and {@code scores}; everything else ({@code content},
 * {@code evaluations}, {@code review_queue}, other {@code metrics} sections, the {@code runs}
 * row) is optional, and a missing part shows as "not available". Re-running with the same run
 * id replaces the prevalence rows and overwrites the files. See {@link PrevalenceEstimator} for
 * the estimators and {@link ReportModel} for where headline counts come from.
 */
public final class ReportStage {
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final String TEMPLATE = "report.html.mustache";
  private static final String STAGE = "report";

  private final SparkSession spark;
  private final TableStore store;
  private final EcolensConfig config;
  private final Policy policy;
  private DiversitySettings diversity;
  private static final int HISTORY_RUNS = 20;

  /** What one report run produced. */
  public record Result(String runId, Path reportDir, Path htmlPath, Path summaryPath, long prevalenceRows,
      double seconds, GateStage.Result gates) {}

  public ReportStage(SparkSession spark, TableStore store, EcolensConfig config, Policy policy) {
    this.spark = Objects.requireNonNull(spark, "spark");
    this.store = Objects.requireNonNull(store, "store");
    this.config = Objects.requireNonNull(config, "config");
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  /** Computes prevalence for {@code runId}, writes it to {@code metrics}, and writes the report files. */
  public Result execute(String runId) {
    checkRunId(runId);
    long start = System.nanoTime();
    spark.sparkContext().setJobGroup("ecolens-report", "report run_id=" + runId, false);
    try {
      List<MetricRow> allPrevalence = prevalence(runId);
      List<MetricRow> prevalence = section(allPrevalence, PrevalenceMetrics.REPORT);
      describe("report: write prevalence metrics, run_id=" + runId);
      store.replaceRunPart(Table.METRICS, runId, "report", PrevalenceMetrics.REPORT,
          MetricRow.toFrame(spark, prevalence));
      store.replaceRunPart(Table.METRICS, runId, "report", PrevalenceMetrics.SLICES,
          MetricRow.toFrame(spark, section(allPrevalence, PrevalenceMetrics.SLICES)));
      writeDiversity(runId);
      // run-over-run comparison and gates need this run's prevalence and diversity; the report shows their outcome
      GateStage.Result gates = new GateStage(spark, store, config).execute(runId);

      ReportData data = readBack(runId);
      ChartData charts = readChartData(runId);
      Path dir = Path.of(config.report().output()).resolve(runId);
      ReportModel.Paths paths = new ReportModel.Paths(dir, dir.resolve("report.html"), dir.resolve("summary.json"));
      ReportModel model = new ReportModel(data, policy, paths, gates.gates(), charts);
      writeFiles(model, paths);
      return new Result(runId, paths.reportDir(), paths.html(), paths.summary(), prevalence.size(),
          (System.nanoTime() - start) / 1e9, gates);
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /** Diversity of the run's corpus and sample into {@code metrics} (reports diversity_corpus/_sample). */
  private void writeDiversity(String runId) {
    describe("report: diversity of corpus and sample (distributions, MiniLM embeddings, MinHash LSH), run_id=" + runId);
    List<String> topics = new ArrayList<>();
    policy.categories().forEach(c -> topics.add(c.id()));
    topics.add(DiversityMetrics.NO_TOPIC);
    List<Row> rows = new DiversityMetrics(diversity == null ? DiversitySettings.defaults(topics) : diversity)
        .compute(runId, store.readRun(Table.CONTENT, runId), store.readRun(Table.SAMPLES, runId),
            store.readRun(Table.SCORES, runId));
    for (String report : List.of(DiversityMetrics.CORPUS, DiversityMetrics.SAMPLE)) {
      List<Row> part = rows.stream().filter(r -> report.equals(r.getString(1))).toList();
      describe("report: write " + report + " metrics, run_id=" + runId);
      store.replaceRunPart(Table.METRICS, runId, "report", report, spark.createDataFrame(part, Table.METRICS.schema()));
    }
  }

  /**
   * Uses these diversity settings instead of the defaults (the policy's categories as topics, 2,000
   * embedded items); returns this stage.
   */
  public ReportStage withDiversity(DiversitySettings settings) {
    this.diversity = Objects.requireNonNull(settings, "settings");
    return this;
  }

  /**
   * Score histogram of the run, and whole-run figures of up to 20 earlier reported runs (not
   * experiment variants or unfinished runs, which have no such figures) for the lines over runs.
   */
  private ChartData readChartData(String runId) {
    describe("report: score histogram and earlier runs' figures, run_id=" + runId);
    Map<String, long[]> bins = new TreeMap<>();
    Column bin = least(lit(ChartData.BINS - 1), greatest(lit(0), floor(col("score").multiply(ChartData.BINS)))).cast("int");
    for (Row r : store.readRun(Table.SCORES, runId).filter(col("score").isNotNull())
        .groupBy(col("category"), bin.as("bin")).count().collectAsList()) { // categories x bins rows
      bins.computeIfAbsent(r.getString(0), k -> new long[ChartData.BINS])[r.getInt(1)] = r.getLong(2);
    }
    List<String> runs = new ArrayList<>();
    store.read(Table.RUNS)
        .filter(col("run_id").notEqual(lit(runId)).and(col("started_at").isNotNull()).and(RunLedger.reported()))
        .orderBy(col("started_at").desc(), col("run_id").desc())
        .select("run_id").limit(HISTORY_RUNS - 1).collectAsList()
        .forEach(r -> runs.add(0, r.getString(0)));
    runs.add(runId);
    List<MetricRow> history = store.read(Table.METRICS)
        .filter(col("run_id").isin(runs.toArray())
            .and(col("report").isin("prevalence", "agreement", DiversityMetrics.CORPUS, DiversityMetrics.SAMPLE))
            .and(col("slice_key").equalTo(MetricRow.ALL)).and(col("slice_value").equalTo(MetricRow.ALL)))
        .collectAsList().stream().map(MetricRow::of).toList(); // runs x whole-run figures
    return new ChartData(bins, runs, history);
  }

  private static void checkRunId(String runId) {
    if (runId == null || !RUN_ID.matcher(runId).matches()) {
      throw Errors.config("command line", "--run-id",
          "must start with a letter or digit and hold only letters, digits, '.', '_' or '-' (it names the report"
              + " folder), cannot be: " + runId);
    }
  }

  private void describe(String description) {
    spark.sparkContext().setJobDescription(description);
  }

  /** Model-label prevalence, then human-label prevalence when the run has evaluations. */
  private List<MetricRow> prevalence(String runId) {
    describe("report: prevalence tallies per category x stratum x format, run_id=" + runId);
    Dataset<Row> samples = store.requireRun(Table.SAMPLES, runId, "sample");
    Dataset<Row> scores = store.requireRun(Table.SCORES, runId, "score");
    Dataset<Row> content = store.readRun(Table.CONTENT, runId);

    Dataset<Row> modelLabels = scores
        .filter(col("status").isin("ok", "cached"))
        .select(col("content_id"), col("category"), col("label"));
    List<MetricRow> rows = new ArrayList<>(estimate(runId, PrevalenceMetrics.MODEL, modelLabels, samples, content));

    Dataset<Row> humanLabels = store.readRun(Table.EVALUATIONS, runId)
        .select(col("content_id"), col("category"), col("human_label").as("label"));
    rows.addAll(estimate(runId, PrevalenceMetrics.HUMAN, humanLabels, samples, content));
    return rows;
  }

  private List<MetricRow> estimate(String runId, String metric, Dataset<Row> labels, Dataset<Row> samples,
      Dataset<Row> content) {
    List<PrevalenceMetrics.Cell> cells = PrevalenceMetrics.collect(PrevalenceMetrics.tallies(labels, samples, content));
    try {
      return PrevalenceMetrics.metricRows(runId, metric, cells, minSliceItems());
    } catch (IllegalArgumentException e) {
      throw Errors.stageFailed(STAGE,
          "the samples of run '" + runId + "' are inconsistent (" + e.getMessage() + "); re-run 'sample' with --run-id "
              + runId + " so every sampled row carries its stratum_population",
          e);
    }
  }

  private static List<MetricRow> section(List<MetricRow> rows, String report) {
    return rows.stream().filter(r -> report.equals(r.report())).toList();
  }

  /** Fewest labelled items of a prevalence slice without a warning: evaluate.min-slice-items, as for agreement. */
  private int minSliceItems() {
    return config.evaluate().minSliceItems();
  }

  private ReportData readBack(String runId) {
    describe("report: read back metrics, runs, review queue and score counts, run_id=" + runId);
    List<MetricRow> metrics = store.readRun(Table.METRICS, runId).collectAsList().stream().map(MetricRow::of).toList();

    List<Row> runRows = store.readRun(Table.RUNS, runId).limit(1).collectAsList();
    RunRecord run = runRows.isEmpty() ? null : RunRecord.of(runRows.get(0));

    Map<String, Long> reviewQueue = countsBy(store.readRun(Table.REVIEW_QUEUE, runId), "category");

    Dataset<Row> scores = store.readRun(Table.SCORES, runId);
    Map<String, Long> scoreStatus = countsBy(scores, "status");
    Row totals = scores.agg(
        countDistinct(when(col("status").isin("ok", "cached"), col("content_id"))).as("scored"),
        sum(col("cost_usd")).as("cost_usd"),
        sum(col("input_tokens")).as("input_tokens"),
        sum(col("output_tokens")).as("output_tokens")).first();

    Map<String, Long> tableCounts = new TreeMap<>();
    tableCounts.put("sampled", store.readRun(Table.SAMPLES, runId).count());
    tableCounts.put("scored", totals.<Long>getAs("scored"));
    tableCounts.put("errors", scoreStatus.getOrDefault("error", 0L));

    return new ReportData(runId, Instant.now(), metrics, run, reviewQueue, scoreStatus, tableCounts,
        totals.getAs("cost_usd"), totals.getAs("input_tokens"), totals.getAs("output_tokens"));
  }

  /** Row count per value of {@code column} (null counted as "unknown"). */
  private static Map<String, Long> countsBy(Dataset<Row> rows, String column) {
    Map<String, Long> counts = new TreeMap<>();
    for (Row r : rows.groupBy(coalesce(col(column), lit("unknown")).as("key")).count().collectAsList()) {
      counts.put(r.getString(0), r.getLong(1));
    }
    return counts;
  }

  private static void writeFiles(ReportModel model, ReportModel.Paths paths) {
    try {
      Files.createDirectories(paths.reportDir());
      StringWriter html = new StringWriter();
      Mustache template = new DefaultMustacheFactory("io/ecolens/report").compile(TEMPLATE);
      template.execute(html, model.view()).flush();
      writeAtomically(paths.html(), html.toString());
      ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      writeAtomically(paths.summary(), json.writeValueAsString(model.summary()));
      writeAtomically(paths.markdown(), model.markdown());
    } catch (IOException e) {
      throw Errors.stageFailed(STAGE,
          "cannot write the report to " + paths.reportDir() + ": " + e.getMessage()
              + "; check that report.output points to a writable local folder",
          e);
    }
  }

  /** Writes next to the target and renames, so a reader never sees half a file. */
  private static void writeAtomically(Path target, String text) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.writeString(temp, text, StandardCharsets.UTF_8);
    try {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
