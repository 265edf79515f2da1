package io.ecolens.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ecolens.EcolensException;
import io.ecolens.Errors;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.run.MetricRows;
import io.ecolens.run.RunContext;
import io.ecolens.run.Stage;
import io.ecolens.run.StageResult;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ingest: reads the corpus, validates and normalises it, drops duplicate ids, and writes {@code
 * content} and {@code content_quarantine}; loads human labels into {@code policy_labels} when
 * configured. Always: read = accepted + quarantined + duplicates.
 */
public final class IngestStage implements Stage<IngestStage.Result> {
  private static final Logger LOG = LoggerFactory.getLogger(IngestStage.class);

  /** Counts of one ingest; {@code labels} is null when no labels are configured. */
  public record Result(long read, long accepted, long quarantined, long duplicates, LabelLoader.Result labels)
      implements StageResult {
    /** Counts for the runs table. */
    @Override
    public Map<String, Long> counts() {
      Map<String, Long> counts = new LinkedHashMap<>();
      counts.put("read", read);
      counts.put("accepted", accepted);
      counts.put("quarantined", quarantined);
      counts.put("duplicates", duplicates);
      if (labels != null) {
        counts.put("labels_read", labels.read());
        counts.put("labels_loaded", labels.loaded());
        counts.put("labels_rejected", labels.rejected());
        if (labels.notLabelled() >= 0) {
          counts.put("labels_not_labelled", labels.notLabelled());
        }
      }
      return counts;
    }

    /** "read 20,000 = accepted 19,900 + quarantined 86 + duplicates 14". */
    @Override
    public String summary() {
      return String.format("read %,d = accepted %,d + quarantined %,d + duplicates %,d",
          read, accepted, quarantined, duplicates);
    }
  }

  @Override
  public String name() {
    return "ingest";
  }

  @Override
  public Result execute(RunContext ctx) {
    EcolensConfig.SourceSettings corpus = ctx.config().input().corpus();
    ConfigLoader.requireCorpusPath("the config", ctx.config());
    ctx.describe("ingest", corpus.format() + " " + corpus.path());
    TableStore store = ctx.store();
    store.ensureAll();

    Dataset<Row> raw = readCorpus(ctx, corpus);
    Dataset<Row> validated = rankDuplicates(ContentValidation.validate(raw, ctx.config().ingest().maxTextChars()))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Row totals = validated.agg(
          count(lit(1)).as("read"),
          sum(when(size(col("reasons")).equalTo(0).and(col("_dup_rank").equalTo(1)), 1).otherwise(0)).as("accepted"),
          sum(when(size(col("reasons")).gt(0), 1).otherwise(0)).as("quarantined"),
          sum(when(size(col("reasons")).equalTo(0).and(col("_dup_rank").gt(1)), 1).otherwise(0)).as("duplicates"))
          .first();
      long read = totals.getLong(0);
      if (read == 0) {
        throw Errors.missingInput("records", corpus.path(),
            "The corpus is empty; check input.corpus.path and input.corpus.format (" + corpus.format() + ").");
      }
      long accepted = totals.getLong(1);
      long quarantined = totals.getLong(2);
      long duplicates = totals.getLong(3);

      String runId = ctx.runId();
      store.replaceRun(Table.CONTENT, runId, acceptedRows(validated, runId, corpus.path()));
      store.replaceRun(Table.CONTENT_QUARANTINE, runId, quarantineRows(validated, runId));
      reconcile(store, runId, accepted, quarantined);

      List<Row> reasons = validated.filter(size(col("reasons")).gt(0))
          .select(explode(col("reasons")).as("reason"))
          .select(regexp_extract(col("reason"), "^([^:]*)", 1).as("reason"))
          .groupBy("reason").count().collectAsList(); // one row per kind of reason: small

      LabelLoader.Result labels = null;
      if (ctx.config().input().labels() != null) {
        labels = new LabelLoader(ctx).load();
      }
      Result result = new Result(read, accepted, quarantined, duplicates, labels);
      writeMetrics(ctx, result, reasons);
      LOG.info("ingest: read {} records: {} accepted, {} quarantined, {} duplicate ids dropped",
          read, accepted, quarantined, duplicates);
      return result;
    } finally {
      validated.unpersist();
    }
  }

  private static Dataset<Row> readCorpus(RunContext ctx, EcolensConfig.SourceSettings corpus) {
    try {
      return SourceReader.read(ctx.spark(), corpus, "input.corpus", ContentValidation.COLUMNS, Set.of("content_id"));
    } catch (EcolensException e) {
      throw e;
    } catch (Exception e) { // Spark's AnalysisException is checked as seen from Java
      if (e.getMessage() != null && e.getMessage().contains("PATH_NOT_FOUND")) {
        throw Errors.missingInput("corpus", corpus.path(),
            "Set input.corpus.path to the corpus, or run 'generate' first for the demo corpus.");
      }
      throw Errors.stageFailed("ingest", "cannot read " + corpus.path() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Numbers the valid records of each content_id; rank 1 is kept. The order (content hash,
   * then created_at, then file) makes the choice deterministic whatever the partitioning.
   */
  static Dataset<Row> rankDuplicates(Dataset<Row> validated) {
    return validated.withColumn("_dup_rank",
        when(size(col("reasons")).equalTo(0), row_number().over(Window.partitionBy(col("content_id"),
            size(col("reasons")).equalTo(0))
            .orderBy(col("content_hash"), col("created_at"), col(SourceReader.SOURCE_FILE))))
            .otherwise(lit(0)));
  }

  static Dataset<Row> acceptedRows(Dataset<Row> validated, String runId, String source) {
    return validated.filter(size(col("reasons")).equalTo(0).and(col("_dup_rank").equalTo(1)))
        .withColumn("run_id", lit(runId))
        .withColumn("source", lit(source))
        .withColumn("ingested_at", current_timestamp());
  }

  static Dataset<Row> quarantineRows(Dataset<Row> validated, String runId) {
    return validated.filter(size(col("reasons")).gt(0))
        .select(
            lit(runId).as("run_id"),
            when(col("content_id").equalTo(""), lit(null)).otherwise(col("content_id")).as("content_id"),
            col(SourceReader.RAW).as("raw_record"),
            col("reasons"),
            col(SourceReader.SOURCE_FILE).as("source_file"),
            current_timestamp().as("quarantined_at"));
  }

  /** Checks that what the tables now hold for the run is what was counted: nothing lost. */
  private static void reconcile(TableStore store, String runId, long accepted, long quarantined) {
    long contentRows = store.readRun(Table.CONTENT, runId).count();
    long quarantineRows = store.readRun(Table.CONTENT_QUARANTINE, runId).count();
    if (contentRows != accepted || quarantineRows != quarantined) {
      throw Errors.stageFailed("ingest", "counts do not reconcile: counted " + accepted + " accepted and "
          + quarantined + " quarantined, but the tables hold " + contentRows + " and " + quarantineRows
          + " rows for run " + runId + ". Another writer may have written the same run id.", null);
    }
  }

  private static void writeMetrics(RunContext ctx, Result result, List<Row> reasons) {
    MetricRows metrics = new MetricRows(ctx.runId(), "ingest");
    result.counts().forEach((name, value) -> metrics.add(name, "", "all", "all", value, null, null, result.read()));
    for (Row r : reasons) {
      metrics.add("quarantine_reason", "", "reason", r.getString(0), r.getLong(1), null, null, result.quarantined());
    }
    metrics.write(ctx);
  }
}
