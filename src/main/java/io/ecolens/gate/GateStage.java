package io.ecolens.gate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.ecolens.tables.FigureKey;
import io.ecolens.config.GateSpec;
import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig;
import io.ecolens.run.RunContext;
import io.ecolens.run.RunLedger;
import io.ecolens.run.Stage;
import io.ecolens.run.StageResult;
import io.ecolens.scorer.ScoringFailures;
import io.ecolens.metrics.PrevalenceMetrics;
import io.ecolens.tables.KnownMetrics;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run-over-run comparison and quality gates of one run: finds the baseline run, compares every
 * figure the two runs share (rows of report {@code comparison} in {@code metrics}), checks the
 * configured gates, writes one {@code gate_results} row per gate, and logs each outcome.
 *
 * <p>The baseline is {@code comparison.baseline-run} when set, else the latest run that started
 * before this one, succeeded, ran the report stage (so not an experiment's score-only variant
 * run), has figures in {@code metrics}, and failed no gate: a run that
 * regressed does not become the yardstick, so a regression keeps failing until it is fixed (or a
 * baseline is named). Figures of threshold sweeps and calibration bins (slice keys
 * {@code threshold}, {@code score_bin}) are curve points, not compared.
 *
 * <p>Runs after the metrics stage (it compares the run's prevalence and diversity with the
 * baseline's) and before the report stage, which shows the outcome from {@code gate_results}. The
 * two runs' figures are aggregates (hundreds to a few thousand rows per run) and are read to the
 * driver. Re-running replaces the run's comparison and gate rows.
 */
public final class GateStage implements Stage<GateStage.Result> {
  private static final Logger LOG = LoggerFactory.getLogger(GateStage.class);
  private static final List<String> CURVE_SLICES = List.of("threshold", "score_bin");

  /**
   * What one check produced: the baseline (null when there was none), the figures compared, and
   * one outcome per configured gate (none when comparison is disabled).
   */
  public record Result(String baselineRun, int comparedFigures, List<GateResult> gates) implements StageResult {
    public Result {
      gates = List.copyOf(gates);
    }

    /** The gates that failed. */
    public List<GateResult> failed() {
      return gates.stream().filter(GateResult::failed).toList();
    }

    /** gates_checked and gates_failed, when gates are configured. */
    @Override
    public Map<String, Long> counts() {
      return gates.isEmpty() ? Map.of()
          : Map.of("gates_checked", (long) gates.size(), "gates_failed", (long) failed().size());
    }

    @Override
    public String summary() {
      if (gates.isEmpty()) {
        return "no gates checked";
      }
      long noData = gates.stream().filter(GateResult::noData).count();
      return (failed().isEmpty() ? "all " + gates.size() + " gates passed" : failed().size() + " of " + gates.size()
          + " gates failed") + (noData == 0 ? "" : ", " + noData + " without data (no_data)")
          + (baselineRun == null ? ", no baseline run" : " against run " + baselineRun);
    }

    /** One line per gate: {@code gate      <status> <gate>: <message>}. */
    @Override
    public List<String> details() {
      return gates.stream()
          .map(g -> String.format("gate      %-11s %s: %s", g.status(), g.gate().describe(), g.message()))
          .toList();
    }
  }

  /** The gates of the config, with comparison.baseline-run and comparison.enabled. */
  public GateStage() {}

  @Override
  public String name() {
    return "gates";
  }

  /**
   * Compares {@code ctx}'s run with its baseline and checks the gates; a no-op when comparison is
   * disabled. Needs the run's figures in {@code metrics} (the metrics and evaluate stages).
   */
  @Override
  public Result execute(RunContext ctx) {
    EcolensConfig config = ctx.config();
    if (!config.comparison().enabled()) {
      return new Result(null, 0, List.of());
    }
    String runId = ctx.runId();
    TableStore store = ctx.store();
    SparkSession spark = ctx.spark();
    String baselineRun = baseline(ctx);
    spark.sparkContext().setJobDescription("gates: compare run_id=" + runId + " with "
        + (baselineRun == null ? "no baseline" : baselineRun));
    try {
      List<Figure> current = figures(store, runId);
      List<Figure> baseline = baselineRun == null ? List.of() : figures(store, baselineRun);
      List<Delta> deltas = RunComparison.compare(baseline, current, config.comparison().alpha());
      store.replaceRunPart(Table.METRICS, runId, "report", RunComparison.REPORT,
          spark.createDataFrame(RunComparison.rows(runId, deltas), Table.METRICS.schema()));

      Map<FigureKey, Delta> byKey = new LinkedHashMap<>();
      deltas.forEach(d -> byKey.put(d.key(), d));
      List<GateResult> results = Gates.evaluate(config.gates(), baselineRun, RunComparison.index(current), byKey,
          config.gates().isEmpty() ? gate -> null : noData(ctx));
      store.replaceRun(Table.GATE_RESULTS, runId,
          spark.createDataFrame(rows(runId, results), Table.GATE_RESULTS.schema()));
      log(runId, results);
      return new Result(baselineRun, deltas.size(), results);
    } finally {
      spark.sparkContext().setJobDescription(null);
    }
  }

  /**
   * The run {@code ctx}'s run is compared with: the named baseline (which must have figures), else
   * the latest good earlier run, else null.
   */
  public String baseline(RunContext ctx) {
    String runId = ctx.runId();
    TableStore store = ctx.store();
    String named = ctx.config().comparison().baselineRun();
    if (named != null) {
      if (named.equals(runId)) {
        throw Errors.config("the config", "comparison.baseline-run",
            "names the run being checked (" + runId + "); name an earlier run, or leave it unset to compare with the "
                + "latest successful one");
      }
      store.requireRun(Table.METRICS, named, "the pipeline");
      return named;
    }
    Dataset<Row> runs = store.read(Table.RUNS);
    Timestamp before = runs.filter(col("run_id").equalTo(lit(runId))).select("started_at").limit(1)
        .collectAsList().stream().map(r -> r.getTimestamp(0)).filter(Objects::nonNull).findFirst()
        .orElse(Timestamp.from(Instant.now()));
    Dataset<Row> withFigures = store.read(Table.METRICS)
        .filter(col("report").notEqual(lit(RunComparison.REPORT))).select("run_id").distinct();
    Dataset<Row> failedGates = store.read(Table.GATE_RESULTS)
        .filter(col("status").isin(GateResult.FAILED, GateResult.NO_DATA)).select("run_id").distinct();
    List<Row> latest = runs
        .filter(col("status").equalTo(lit("succeeded"))
            .and(RunLedger.reported())
            .and(col("run_id").notEqual(lit(runId)))
            .and(col("started_at").lt(lit(before))))
        .join(withFigures, "run_id", "left_semi")
        .join(failedGates, "run_id", "left_anti")
        .orderBy(col("started_at").desc(), col("run_id").desc())
        .select("run_id")
        .limit(1)
        .collectAsList();
    return latest.isEmpty() ? null : latest.get(0).getString(0);
  }

  /**
   * Why the run has no data for a gate's figure, or null: a figure of the agreement or prevalence
   * reports needs items the run scored usably (status ok or cached) in the gate's category (any
   * category for micro, macro and run-level figures), and an agreement figure also needs such items
   * with an adjudicated human label. The run's scored and labelled categories are read once.
   */
  private static Function<GateSpec, String> noData(RunContext ctx) {
    TableStore store = ctx.store();
    Dataset<Row> scores = store.readRun(Table.SCORES, ctx.runId());
    Set<String> scored = categories(scores.filter(col("status").isin("ok", "cached")));
    Set<String> labelled = categories(store.readRun(Table.EVALUATIONS, ctx.runId())
        .filter(col("human_label").isNotNull().and(col("model_label").isNotNull())));
    ScoringFailures failures = scored.isEmpty() ? ScoringFailures.of(scores) : null;
    List<String> all = ctx.policy().categories().stream().map(io.ecolens.policy.Policy.Category::id).toList();
    return gate -> {
      boolean agreement = gate.report().startsWith(KnownMetrics.AGREEMENT_REPORT);
      if (!agreement && !gate.report().startsWith(PrevalenceMetrics.REPORT)) {
        return null;
      }
      List<String> categories = all.contains(gate.category()) ? List.of(gate.category()) : all;
      if (categories.stream().noneMatch(scored::contains)) {
        if (failures == null || failures.tried() == 0) {
          return "no scored items: the run has no usable score rows"
              + (categories.size() == 1 ? " for " + categories.get(0) : "");
        }
        return "no scored items: " + failures.describe() + "; likely fix: " + failures.likelyFix();
      }
      if (agreement && categories.stream().noneMatch(labelled::contains)) {
        return "no labelled items: no scored item" + (categories.size() == 1 ? " of " + categories.get(0) : "")
            + " has an adjudicated human label";
      }
      return null;
    };
  }

  /** The distinct categories of some rows (one per policy category at most). */
  private static Set<String> categories(Dataset<Row> rows) {
    Set<String> categories = new HashSet<>();
    rows.select("category").distinct().collectAsList().forEach(r -> categories.add(r.getString(0)));
    return categories;
  }

  /** The run's figures, without comparison rows and curve points. */
  private static List<Figure> figures(TableStore store, String runId) {
    List<Figure> figures = new ArrayList<>();
    for (Row row : store.readRun(Table.METRICS, runId)
        .filter(col("report").notEqual(lit(RunComparison.REPORT)).and(col("slice_key").isin(CURVE_SLICES.toArray()).unary_$bang()))
        .collectAsList()) { // aggregates of one run
      Figure f = Figure.of(row);
      if (f != null) {
        figures.add(f);
      }
    }
    return figures;
  }

  private static List<Row> rows(String runId, List<GateResult> results) {
    Timestamp now = Timestamp.from(Instant.now());
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      GateResult r = results.get(i);
      GateSpec g = r.gate();
      rows.add(RowFactory.create(runId, i, g.describe(), g.report(), g.metric(), g.category(), g.sliceKey(),
          g.sliceValue(), r.baselineRun(), r.baselineValue(), r.currentValue(), r.delta(), r.relativeChange(),
          r.pValue(), r.significant(), r.status(), r.message(), now));
    }
    return rows;
  }

  private static void log(String runId, List<GateResult> results) {
    for (GateResult r : results) {
      if (r.failed()) {
        LOG.warn("gate FAILED for run {}: {}: {}", runId, r.gate().describe(), r.message());
      } else {
        LOG.info("gate {} for run {}: {}: {}", r.status(), runId, r.gate().describe(), r.message());
      }
    }
  }
}
