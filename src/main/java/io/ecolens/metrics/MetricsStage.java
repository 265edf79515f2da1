package io.ecolens.metrics;

import static org.apache.spark.sql.functions.col;

import io.ecolens.Errors;
import io.ecolens.config.DiversitySettings;
import io.ecolens.diversity.DiversityMetrics;
import io.ecolens.config.EmbeddingModel;
import io.ecolens.embedding.EmbeddingStore;
import io.ecolens.run.RunContext;
import io.ecolens.run.Stage;
import io.ecolens.run.StageResult;
import io.ecolens.tables.MetricRow;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The metrics stage: label prevalence on the sample and diversity of the corpus and the sample,
 * into {@code metrics}. Prevalence goes to reports {@code prevalence} (whole-run and per-format
 * figures, model and human labels) and {@code prevalence_slices} (per-stratum figures and low-n
 * warnings); diversity to {@code diversity_corpus} and {@code diversity_sample}.
 *
 * <p>Needs the run's {@code samples} and {@code scores}; {@code content} and {@code evaluations}
 * are optional (items then count as of unknown format; no human-label rows). Re-running replaces
 * these four sections of the run. Semantic diversity's vectors come from {@code embeddings}; the
 * ones it lacks are embedded and appended there, so a rerun embeds nothing. See {@link
 * PrevalenceEstimator} for the estimators and {@link DiversityMetrics} for the diversity figures.
 */
public final class MetricsStage implements Stage<MetricsStage.Result> {
  private static final String NAME = "metrics";

  /** Null: the defaults (the policy's categories as topics, 2,000 embedded items). */
  private final DiversitySettings diversity;

  /** Diversity with the default settings. */
  public MetricsStage() {
    this(null);
  }

  private MetricsStage(DiversitySettings diversity) {
    this.diversity = diversity;
  }

  /**
   * This stage with these diversity settings instead of the defaults (the policy's categories as
   * topics, 2,000 embedded items).
   */
  public MetricsStage withDiversity(DiversitySettings settings) {
    return new MetricsStage(Objects.requireNonNull(settings, "settings"));
  }

  /**
   * Rows written per report section.
   *
   * @param prevalenceRows rows of report {@code prevalence} (whole run and per format)
   * @param sliceRows rows of report {@code prevalence_slices} (per stratum, low-n warnings)
   * @param diversityRows rows of reports {@code diversity_corpus} and {@code diversity_sample}
   */
  public record Result(long prevalenceRows, long sliceRows, long diversityRows) implements StageResult {
    /** None: the runs row records no metric counts. */
    @Override
    public Map<String, Long> counts() {
      return Map.of();
    }

    @Override
    public String summary() {
      return String.format("%,d prevalence rows, %,d per-stratum rows, %,d diversity rows", prevalenceRows,
          sliceRows, diversityRows);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Computes prevalence and diversity of {@code ctx}'s run and writes them to {@code metrics}. */
  @Override
  public Result execute(RunContext ctx) {
    String runId = ctx.runId();
    TableStore store = ctx.store();
    List<MetricRow> prevalence = prevalence(ctx);
    List<MetricRow> whole = section(prevalence, PrevalenceMetrics.REPORT);
    List<MetricRow> slices = section(prevalence, PrevalenceMetrics.SLICES);
    List<Row> diversity = diversityRows(ctx);
    describe(ctx, "write prevalence and diversity metrics");
    store.replaceRunParts(Table.METRICS, runId, "report", List.of(PrevalenceMetrics.REPORT, PrevalenceMetrics.SLICES,
        DiversityMetrics.CORPUS, DiversityMetrics.SAMPLE),
        MetricRow.toFrame(ctx.spark(), prevalence).union(ctx.spark().createDataFrame(diversity, Table.METRICS.schema())));
    return new Result(whole.size(), slices.size(), diversity.size());
  }

  /** Model-label prevalence, then human-label prevalence when the run has evaluations. */
  private static List<MetricRow> prevalence(RunContext ctx) {
    String runId = ctx.runId();
    TableStore store = ctx.store();
    describe(ctx, "prevalence tallies per category x stratum x format");
    Dataset<Row> samples = store.requireRun(Table.SAMPLES, runId, "sample");
    Dataset<Row> scores = store.requireRun(Table.SCORES, runId, "score");
    Dataset<Row> content = store.readRun(Table.CONTENT, runId);

    Dataset<Row> modelLabels = scores
        .filter(col("status").isin("ok", "cached"))
        .select(col("content_id"), col("category"), col("label"));
    List<MetricRow> rows = new ArrayList<>(estimate(ctx, PrevalenceMetrics.MODEL, modelLabels, samples, content));

    Dataset<Row> humanLabels = store.readRun(Table.EVALUATIONS, runId)
        .select(col("content_id"), col("category"), col("human_label").as("label"));
    rows.addAll(estimate(ctx, PrevalenceMetrics.HUMAN, humanLabels, samples, content));
    return rows;
  }

  /**
   * Rows of one label source; the fewest labelled items of a slice without a warning is
   * evaluate.min-slice-items, as for agreement.
   */
  private static List<MetricRow> estimate(RunContext ctx, String metric, Dataset<Row> labels, Dataset<Row> samples,
      Dataset<Row> content) {
    List<PrevalenceMetrics.Cell> cells = PrevalenceMetrics.collect(PrevalenceMetrics.tallies(labels, samples, content));
    try {
      return PrevalenceMetrics.metricRows(ctx.runId(), metric, cells, ctx.config().evaluate().minSliceItems());
    } catch (IllegalArgumentException e) {
      throw Errors.stageFailed(NAME,
          "the samples of run '" + ctx.runId() + "' are inconsistent (" + e.getMessage() + "); re-run 'sample' with"
              + " --run-id " + ctx.runId() + " so every sampled row carries its stratum_population",
          e);
    }
  }

  /** Diversity rows of the run's corpus and sample (reports corpus and sample of {@code metrics}). */
  private List<Row> diversityRows(RunContext ctx) {
    String runId = ctx.runId();
    TableStore store = ctx.store();
    describe(ctx, "diversity of corpus and sample (distributions, MiniLM embeddings, MinHash LSH)");
    List<String> topics = new ArrayList<>();
    ctx.policy().categories().forEach(c -> topics.add(c.id()));
    topics.add(DiversityMetrics.NO_TOPIC);
    DiversitySettings settings = diversity == null ? DiversitySettings.defaults(topics) : diversity;
    // One ONNX thread per task, as semantic diversity always embedded.
    return new DiversityMetrics(settings, new EmbeddingStore(store, EmbeddingModel.MINILM, settings.maxTokens(), 1))
        .compute(runId, store.readRun(Table.CONTENT, runId), store.readRun(Table.SAMPLES, runId),
            store.readRun(Table.SCORES, runId));
  }

  private static List<MetricRow> section(List<MetricRow> rows, String report) {
    return rows.stream().filter(r -> report.equals(r.report())).toList();
  }

  private static void describe(RunContext ctx, String step) {
    ctx.spark().sparkContext().setJobDescription(NAME + ": " + step + ", run_id=" + ctx.runId());
  }
}
