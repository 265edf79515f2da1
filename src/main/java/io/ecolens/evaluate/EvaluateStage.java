package io.ecolens.evaluate;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig.EvaluateSettings;
import io.ecolens.policy.Policy;
import io.ecolens.run.MetricRows;
import io.ecolens.run.RunContext;
import io.ecolens.run.Stage;
import io.ecolens.run.StageResult;
import io.ecolens.scorer.ScoringFailures;
import io.ecolens.spark.Seqs;
import io.ecolens.tables.Table;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * evaluate: adjudicates the human labels ({@link Adjudication}), joins them with the run's
 * scores into {@code evaluations}, writes model agreement figures ({@link AgreementMetrics}),
 * human label quality and the human ceiling ({@link HumanQuality}), and the {@code review_queue}.
 */
public final class EvaluateStage implements Stage<EvaluateStage.Result> {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateStage.class);

  /** Shown for a category whose figures were not written because no item of the run has a usable score. */
  public static final String NO_SCORED_ITEMS = "n/a (no scored items)";
  /** Shown for a category whose figures were not written because none of its scored items has a human label. */
  public static final String NO_LABELLED_ITEMS = "n/a (no labelled items)";

  /**
   * What was evaluated: labelled item x category pairs, ties among them, the review queue, agreement
   * per category, and why categories without labelled pairs have no figures (null when all have).
   */
  public record Result(long evaluated, long ties, long reviewQueue, Map<String, Agreement> byCategory,
      String noData) implements StageResult {
    public Result {
      byCategory = Collections.unmodifiableMap(new LinkedHashMap<>(byCategory));
    }

    public Result(long evaluated, long ties, long reviewQueue, Map<String, Agreement> byCategory) {
      this(evaluated, ties, reviewQueue, byCategory, null);
    }

    @Override
    public Map<String, Long> counts() {
      Map<String, Long> m = new LinkedHashMap<>();
      m.put("evaluated", evaluated);
      m.put("label_ties", ties);
      m.put("review_queue", reviewQueue);
      return m;
    }

    /** "20,000 labelled pairs, 450 in review queue". */
    @Override
    public String summary() {
      return String.format("%,d labelled pairs, %,d in review queue", evaluated, reviewQueue);
    }

    /**
     * Precision, recall and F1 per category: a header, then one line per category ("n/a (...)" for
     * one without labelled pairs), then why, when no category has any.
     */
    @Override
    public List<String> details() {
      List<String> lines = new ArrayList<>();
      lines.add(String.format("          %-24s %9s %9s %9s", "category", "precision", "recall", "f1"));
      byCategory.forEach((category, a) -> lines.add(a.n() == 0
          ? String.format("          %-24s %s", category, noData != null && noData.startsWith("no scored items")
              ? NO_SCORED_ITEMS : NO_LABELLED_ITEMS)
          : String.format("          %-24s %9.3f %9.3f %9.3f", category, a.precision(), a.recall(), a.f1())));
      if (evaluated == 0 && noData != null) {
        lines.add("          no agreement figures written: " + noData);
      }
      return List.copyOf(lines);
    }
  }

  @Override
  public String name() {
    return "evaluate";
  }

  @Override
  public Result execute(RunContext ctx) {
    String runId = ctx.runId();
    EvaluateSettings settings = ctx.config().evaluate();
    ctx.describe("evaluate", "against policy_labels, adjudication " + settings.adjudication());
    Dataset<Row> scores = ctx.store().requireRun(Table.SCORES, runId, "score");
    Dataset<Row> labels = ctx.store().readRun(Table.POLICY_LABELS, runId);
    Dataset<Row> samples = ctx.store().readRun(Table.SAMPLES, runId);
    Dataset<Row> content = ctx.store().readRun(Table.CONTENT, runId);
    List<String> sliceColumns = new ArrayList<>(settings.slices());
    if (!sliceColumns.contains(settings.reviewQueueSlice())) {
      sliceColumns.add(settings.reviewQueueSlice());
    }
    checkSlices(content, sliceColumns);

    // The joined pairs are computed once and kept while the figures below query them many times.
    Dataset<Row> adjudicated = Adjudication.adjudicate(labels, settings.adjudication(), settings.dawidSkeneIterations());
    Dataset<Row> evaluations = evaluations(scores, adjudicated, samples, runId).persist();
    Dataset<Row> withSlices = evaluations.join(
        content.select(sliceColumnsWithId(sliceColumns)), Seqs.of("content_id"), "left").persist();
    Dataset<Row> queue = null;
    long ties;
    long queued;
    Map<String, Agreement> byCategory = new LinkedHashMap<>();
    List<String> categories = ctx.policy().categories().stream().map(Policy.Category::id).toList();
    try {
      ctx.store().replaceRun(Table.EVALUATIONS, runId, evaluations);
      Map<String, MetricRows> sections = AgreementMetrics.compute(withSlices, categories,
          new AgreementMetrics.Options(settings.slices(), settings.minSliceItems(), settings.sweepSteps(),
              settings.calibrationBins()), runId);
      MetricRows human = new MetricRows(runId, HumanQuality.REPORT);
      HumanQuality.addMetrics(labels, adjudicated, human, sections.get(AgreementMetrics.WHOLE));
      sections.put(HumanQuality.REPORT, human);
      MetricRows.writeAll(ctx, sections.values());

      categories.forEach(c -> byCategory.put(c, new Agreement(0, 0, 0, 0)));
      for (Row r : sections.get(AgreementMetrics.WHOLE).rows()) {
        String metric = r.getString(2);
        String category = r.getString(3);
        if (byCategory.containsKey(category) && List.of("tp", "fp", "fn", "tn").contains(metric)) {
          Agreement a = byCategory.get(category);
          long v = (long) r.getDouble(6);
          byCategory.put(category, switch (metric) {
            case "tp" -> new Agreement(v, a.fp(), a.fn(), a.tn());
            case "fp" -> new Agreement(a.tp(), v, a.fn(), a.tn());
            case "fn" -> new Agreement(a.tp(), a.fp(), v, a.tn());
            default -> new Agreement(a.tp(), a.fp(), a.fn(), v);
          });
        }
      }
      ties = evaluations.filter(col("outcome").equalTo("tie")).count();

      queue = reviewQueue(withSlices.withColumn("_slice",
              coalesce(col(settings.reviewQueueSlice()).cast("string"), lit("unknown"))),
          ctx.policy(), settings.uncertaintyBand(), settings.reviewQueuePerCategory()).persist();
      ctx.store().replaceRun(Table.REVIEW_QUEUE, runId, queue);
      queued = queue.count();
    } finally {
      for (Dataset<Row> kept : Arrays.asList(queue, withSlices, evaluations)) {
        if (kept != null) {
          kept.unpersist();
        }
      }
    }
    long evaluated = byCategory.values().stream().mapToLong(Agreement::n).sum() + ties;
    LOG.info("evaluate: {} item x category pairs with human labels ({} without an adjudicated label), {} queued for review",
        evaluated, ties, queued);
    boolean gaps = byCategory.values().stream().anyMatch(a -> a.n() == 0);
    return new Result(evaluated, ties, queued, byCategory, gaps ? noData(scores) : null);
  }

  /** Why categories have no labelled pairs: the run scored no item usably (and how its items failed), or labels are missing. */
  static String noData(Dataset<Row> scores) {
    if (!scores.filter(col("status").isin("ok", "cached")).isEmpty()) {
      return "no labelled items: the scored items of these categories have no adjudicated human label "
          + "(check input.labels and evaluate.adjudication)";
    }
    ScoringFailures failures = ScoringFailures.of(scores);
    return "no scored items: " + (failures.tried() == 0 ? "the run has no usable score rows"
        : failures.describe() + "; likely fix: " + failures.likelyFix());
  }

  private static Column[] sliceColumnsWithId(List<String> slices) {
    List<Column> cols = new ArrayList<>();
    cols.add(col("content_id"));
    slices.forEach(s -> cols.add(col(s)));
    return cols.toArray(Column[]::new);
  }

  /** Fails, naming them, when slice columns are not in the content table. */
  static void checkSlices(Dataset<Row> content, List<String> slices) {
    Set<String> present = Arrays.stream(content.columns()).collect(Collectors.toSet());
    List<String> missing = slices.stream().filter(s -> !present.contains(s)).toList();
    if (!missing.isEmpty()) {
      throw Errors.config("the config", "evaluate.slices", "unknown column(s) " + missing
          + "; slices must be columns of the content table: " + String.join(", ", content.columns()));
    }
  }

  /** Scores (status ok or cached) joined to adjudicated labels; items without labels drop out. */
  static Dataset<Row> evaluations(Dataset<Row> scores, Dataset<Row> adjudicated, Dataset<Row> samples, String runId) {
    Column outcome = when(col("human_label").isNull(), lit("tie"))
        .when(col("label").and(col("human_label")), lit("tp"))
        .when(col("label"), lit("fp"))
        .when(col("human_label"), lit("fn"))
        .otherwise(lit("tn"));
    return scores.filter(col("status").isin("ok", "cached"))
        .join(adjudicated, Seqs.of("content_id", "category"))
        .join(samples.select("content_id", "stratum", "weight"), Seqs.of("content_id"), "left")
        .select(
            lit(runId).as("run_id"),
            col("content_id"),
            col("category"),
            col("stratum"),
            col("weight"),
            col("scorer"),
            col("label").as("model_label"),
            col("score").as("model_score"),
            col("human_label"),
            col("human_votes"),
            col("human_positive_votes"),
            outcome.as("outcome"));
  }

  /**
   * Disagreements first (the most confident mistakes at the top), then items without an
   * adjudicated label, then the items whose score lies closest to the threshold; at most {@code
   * perCategory} per category and value of the {@code _slice} column.
   */
  static Dataset<Row> reviewQueue(Dataset<Row> evaluations, Policy policy, double band, int perCategory) {
    List<Column> thresholds = new ArrayList<>();
    for (Policy.Category c : policy.categories()) {
      thresholds.add(lit(c.id()));
      thresholds.add(lit(c.threshold()));
    }
    Column threshold = org.apache.spark.sql.functions.element_at(
        org.apache.spark.sql.functions.map(thresholds.toArray(Column[]::new)), col("category"));
    Column distance = abs(col("model_score").minus(threshold));
    Column reason = when(col("outcome").equalTo("fp"), lit("false_positive"))
        .when(col("outcome").equalTo("fn"), lit("false_negative"))
        .when(col("outcome").equalTo("tie"), lit("annotators_tied"))
        .when(distance.lt(band), lit("low_confidence"));
    Column tier = when(col("outcome").isin("fp", "fn"), lit(0)).when(col("outcome").equalTo("tie"), lit(1)).otherwise(lit(2));
    // Mistakes: most confident first (largest distance); uncertain items: closest first.
    Column order = when(col("_tier").equalTo(0), lit(-1.0).multiply(col("_distance"))).otherwise(col("_distance"));
    Dataset<Row> input = Arrays.asList(evaluations.columns()).contains("_slice")
        ? evaluations : evaluations.withColumn("_slice", lit("all"));
    return input
        .withColumn("reason", reason)
        .filter(col("reason").isNotNull())
        .withColumn("_tier", tier)
        .withColumn("_distance", distance)
        .withColumn("priority", row_number().over(Window.partitionBy("category", "_slice")
            .orderBy(col("_tier"), order, col("content_id"))))
        .filter(col("priority").leq(perCategory))
        .select(col("run_id"), col("content_id"), col("category"), col("reason"), col("model_score"),
            col("model_label"), col("human_label"), col("priority"));
  }
}
