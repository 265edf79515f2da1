package io.ecolens.run;

import static org.apache.spark.sql.functions.col;

import io.ecolens.config.ConfigLoader;
import io.ecolens.tables.Table;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.collection.JavaConverters;

/**
 * Keeps the one {@code runs} row of a run up to date as stages start, finish or fail. The row is
 * read, merged on the driver and rewritten, so re-running a stage replaces its timing rather than
 * adding a row.
 */
public final class RunLedger {
  /**
   * On {@code runs}: the run got as far as the report stage, i.e. a pipeline run with figures to
   * compare, not a score-only run such as an experiment's variant or a run stopped after sampling.
   */
  public static Column reported() {
    return col("stage_seconds").getItem("report").isNotNull();
  }

  /** The version in the jar's manifest, or "dev" when run from classes. */
  public static final String APP_VERSION = appVersion();

  private final RunContext ctx;
  /** The row as this ledger last wrote it: read from the table once, then kept (one writer per run). */
  private State state;

  public RunLedger(RunContext ctx) {
    this.ctx = ctx;
  }

  /** Marks the run as running a stage; no write when the row says so already (a stage just finished before more). */
  public void started(String stage) {
    State s = current();
    if (s.written && "running".equals(s.status) && s.error == null) {
      return;
    }
    s.status = "running";
    s.error = null;
    write(s);
  }

  /**
   * Records a finished stage: its wall time and counts (merged over earlier ones) and, when the
   * stage scored, the run's spend (replacing earlier figures), in one write. The run's status
   * becomes "succeeded" when {@code last}, and stays "running" when more stages follow.
   */
  public void finished(String stage, double seconds, Map<String, Long> counts, Optional<StageResult.Spend> spend,
      boolean last) {
    State s = current();
    s.status = last ? "succeeded" : "running";
    s.stageSeconds.put(stage, seconds);
    s.counts.putAll(counts);
    s.finishedAt = Timestamp.from(Instant.now());
    spend.ifPresent(p -> {
      s.inputTokens = p.inputTokens();
      s.outputTokens = p.outputTokens();
      s.costUsd = p.costUsd();
    });
    write(s);
  }

  /** Marks the run succeeded after its last finished stage (one that was to be followed by more). */
  public void succeeded() {
    State s = current();
    s.status = "succeeded";
    write(s);
  }

  /** Marks the run failed with the message of what stopped it. */
  public void failed(String stage, String message) {
    State s = current();
    s.status = "failed";
    s.error = stage + ": " + message;
    s.finishedAt = Timestamp.from(Instant.now());
    write(s);
  }

  private State current() {
    if (state == null) {
      state = read();
    }
    return state;
  }

  private State read() {
    // a run id minted by this process has no row yet: reading the table would only find that out
    List<Row> rows = ctx.newRun() ? List.of() : ctx.store().readRun(Table.RUNS, ctx.runId()).collectAsList();
    State s = new State(); // from at most one row
    s.written = !rows.isEmpty();
    if (rows.isEmpty()) {
      s.startedAt = Timestamp.from(Instant.now());
      return s;
    }
    Row r = rows.get(0);
    s.status = r.getAs("status");
    s.startedAt = r.getAs("started_at");
    s.finishedAt = r.getAs("finished_at");
    scala.collection.Map<String, Object> seconds = r.getAs("stage_seconds");
    if (seconds != null) {
      JavaConverters.mapAsJavaMap(seconds).forEach((k, v) -> s.stageSeconds.put(k, ((Number) v).doubleValue()));
    }
    scala.collection.Map<String, Object> counts = r.getAs("counts");
    if (counts != null) {
      JavaConverters.mapAsJavaMap(counts).forEach((k, v) -> s.counts.put(k, ((Number) v).longValue()));
    }
    s.inputTokens = r.getAs("input_tokens");
    s.outputTokens = r.getAs("output_tokens");
    s.costUsd = r.getAs("cost_usd");
    s.error = r.getAs("error");
    return s;
  }

  private void write(State s) {
    Row row = RowFactory.create(ctx.runId(), s.status, s.startedAt, s.finishedAt,
        JavaConverters.mapAsScalaMap(s.stageSeconds), JavaConverters.mapAsScalaMap(s.counts),
        ConfigLoader.redacted(ctx.config()).toString(), APP_VERSION, s.inputTokens, s.outputTokens,
        s.costUsd, s.error);
    ctx.store().replaceRun(Table.RUNS, ctx.runId(),
        ctx.spark().createDataFrame(List.of(row), Table.RUNS.schema()));
    s.written = true;
  }

  private static String appVersion() {
    String v = RunLedger.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private static final class State {
    /** Whether the table holds this row (read from it, or written since). */
    boolean written;
    String status = "running";
    Timestamp startedAt;
    Timestamp finishedAt;
    final Map<String, Double> stageSeconds = new LinkedHashMap<>();
    final Map<String, Long> counts = new LinkedHashMap<>();
    Long inputTokens;
    Long outputTokens;
    Double costUsd;
    String error;
  }
}
