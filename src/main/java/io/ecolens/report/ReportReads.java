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

import io.ecolens.diversity.DiversityMetrics;
import io.ecolens.run.RunContext;
import io.ecolens.run.RunLedger;
import io.ecolens.scorer.ScoringFailures;
import io.ecolens.tables.MetricRow;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What the report shows, read from the tables of one run (and, for the lines over runs, of up to
 * 19 earlier reported runs). Only reads: every figure was written by an earlier stage. All of it
 * is small (aggregates) and collected to the driver.
 */
final class ReportReads {
  private static final int HISTORY_RUNS = 20;

  private ReportReads() {}

  /** The run's metrics, runs row, review queue and score counts. */
  static ReportData data(RunContext ctx) {
    String runId = ctx.runId();
    TableStore store = ctx.store();
    describe(ctx, "read back metrics, runs, review queue and score counts");
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

    String noData = null;
    if (totals.<Long>getAs("scored") == 0 && scoreStatus.getOrDefault("error", 0L) > 0) {
      ScoringFailures failures = ScoringFailures.of(scores);
      noData = "the run has no scored items, so it has no agreement or prevalence figures: " + failures.describe()
          + ". Likely fix: " + failures.likelyFix() + ".";
    }
    return new ReportData(runId, Instant.now(), metrics, run, reviewQueue, scoreStatus, tableCounts,
        totals.getAs("cost_usd"), totals.getAs("input_tokens"), totals.getAs("output_tokens"), noData);
  }

  /**
   * Score histogram of the run, and whole-run figures of up to 20 earlier reported runs (not
   * experiment variants or unfinished runs, which have no such figures) for the lines over runs.
   */
  static ChartData charts(RunContext ctx) {
    String runId = ctx.runId();
    TableStore store = ctx.store();
    describe(ctx, "score histogram and earlier runs' figures");
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

  /**
   * The run's gate outcomes in config order, as the gates stage wrote them; none when comparison
   * is disabled (the gates stage then checks nothing and leaves {@code gate_results} alone).
   */
  static List<GateOutcome> gates(RunContext ctx) {
    if (!ctx.config().comparison().enabled()) {
      return List.of();
    }
    describe(ctx, "read back gate results");
    return ctx.store().readRun(Table.GATE_RESULTS, ctx.runId()).orderBy(col("gate_index"))
        .collectAsList().stream().map(GateOutcome::of).toList(); // one row per configured gate
  }

  /** Row count per value of {@code column} (null counted as "unknown"). */
  private static Map<String, Long> countsBy(Dataset<Row> rows, String column) {
    Map<String, Long> counts = new TreeMap<>();
    for (Row r : rows.groupBy(coalesce(col(column), lit("unknown")).as("key")).count().collectAsList()) {
      counts.put(r.getString(0), r.getLong(1));
    }
    return counts;
  }

  private static void describe(RunContext ctx, String step) {
    ctx.spark().sparkContext().setJobDescription("report: " + step + ", run_id=" + ctx.runId());
  }
}
