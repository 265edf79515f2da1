package io.ecolens.tables;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.CheckedRunnable;
import io.delta.exceptions.DeltaConcurrentModificationException;
import io.delta.tables.DeltaTable;
import io.ecolens.Errors;
import io.ecolens.catalog.CatalogServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import scala.Option;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes the ecolens tables in one catalog database. Every write replaces exactly the
 * rows of one run ({@code replaceWhere run_id = ...}), so re-running a stage never duplicates.
 */
public final class TableStore {
  /** Retries of a Delta commit that lost a conflict; with the backoff, about half a minute in all. */
  static final int COMMIT_RETRIES = 8;
  private static final Logger LOG = LoggerFactory.getLogger(TableStore.class);
  private final SparkSession spark;
  private final String database;
  private final java.util.Map<Table, String> locations = new java.util.EnumMap<>(Table.class);
  /** Tables this store has seen exist: each is looked up in the catalog once, not on every read and write. */
  private final Set<Table> ensured = java.util.EnumSet.noneOf(Table.class);

  public TableStore(SparkSession spark, String database) {
    this.spark = spark;
    this.database = database;
  }

  /** The catalog database holding the tables. */
  public String database() {
    return database;
  }

  /** {@code database.table}. */
  public String qualified(Table table) {
    return database + "." + table.tableName();
  }

  /**
   * Creates the database and every table that does not exist yet; under the catalog server's lock
   * when the session has one, so that runs starting together do not both create a table.
   */
  public void ensureAll() {
    CatalogServer.exclusive(spark, () -> {
      spark.sql("CREATE DATABASE IF NOT EXISTS " + database);
      for (Table table : Table.values()) {
        ensure(table);
      }
    });
  }

  private synchronized void ensure(Table table) {
    if (ensured.contains(table)) {
      return;
    }
    if (!spark.catalog().tableExists(database, table.tableName())) {
      spark.sql("CREATE TABLE IF NOT EXISTS " + qualified(table) + " (" + table.schema().toDDL() + ")"
          + " USING delta" + (table.partitionedByRun() ? " PARTITIONED BY (run_id)" : "")
          + " COMMENT '" + table.description().replace("'", "\\'") + "'"
          + (table.tableProperties().isEmpty() ? "" : " TBLPROPERTIES (" + table.tableProperties() + ")"));
    }
    ensured.add(table);
  }

  /** Replaces the rows of {@code runId} in {@code table} with {@code rows} (columns by name). */
  public void replaceRun(Table table, String runId, Dataset<Row> rows) {
    replaceRun(table, runId, rows, true);
  }

  /**
   * Replaces the rows of {@code runId}; with {@code retryConflicts} false, a write that lost a
   * conflict with another writer of the same run throws Delta's {@code
   * DeltaConcurrentModificationException} instead of being written again over the other's rows.
   */
  public void replaceRun(Table table, String runId, Dataset<Row> rows, boolean retryConflicts) {
    ensure(table);
    Dataset<Row> shaped = conform(table, rows).filter(col("run_id").equalTo(lit(runId)));
    // Path-based: Delta's V2 catalog table does not take replaceWhere overwrites by name.
    commit(table, retryConflicts ? COMMIT_RETRIES : 0, () -> shaped.write()
        .format("delta")
        .mode("overwrite")
        .option("replaceWhere", "run_id = '" + runId + "'")
        .save(location(table)));
  }

  /**
   * Makes run {@code to}'s rows of {@code table} a copy of run {@code from}'s, e.g. so that a
   * second scorer sees the same content and sample without a second ingest.
   */
  public void copyRun(Table table, String from, String to) {
    replaceRun(table, to, readRun(table, from).withColumn("run_id", lit(to)));
  }

  /**
   * Replaces the rows of {@code runId} whose {@code column} equals {@code value}, e.g. one
   * report section of {@code metrics}, leaving the run's other rows alone.
   */
  public void replaceRunPart(Table table, String runId, String column, String value, Dataset<Row> rows) {
    replaceRunParts(table, runId, column, List.of(value), rows);
  }

  /**
   * Replaces, in one Delta commit, the rows of {@code runId} whose {@code column} is one of
   * {@code values}, e.g. several report sections of {@code metrics} written together.
   */
  public void replaceRunParts(Table table, String runId, String column, Collection<String> values, Dataset<Row> rows) {
    ensure(table);
    Dataset<Row> shaped = conform(table, rows)
        .filter(col("run_id").equalTo(lit(runId)).and(col(column).isin(values.toArray())));
    String quoted = values.stream().map(v -> "'" + v.replace("'", "''") + "'").collect(Collectors.joining(", "));
    commit(table, () -> shaped.write()
        .format("delta")
        .mode("overwrite")
        .option("replaceWhere", "run_id = '" + runId + "' AND " + column + " IN (" + quoted + ")")
        .save(location(table)));
  }

  /**
   * Appends {@code rows} to {@code table} in one Delta commit (columns by name, cast to the table's
   * types), e.g. one committed chunk of {@code scores}. A Spark task retry or speculative copy never
   * duplicates rows: only the winning attempt's files are committed.
   */
  public void append(Table table, Dataset<Row> rows) {
    ensure(table);
    Dataset<Row> shaped = conform(table, rows);
    commit(table, () -> shaped.write().format("delta").mode("append").save(location(table)));
  }

  /**
   * Appends the rows of {@code rows} whose {@code keys} no row of {@code table} holds yet, in one
   * Delta commit (an insert-only merge; columns by name, cast to the table's types), e.g. vectors
   * of {@code embeddings}. A key is never stored twice: when another writer commits to the table
   * between this merge's read and its commit, Delta's conflict check fails it (a {@code
   * ConcurrentAppendException}) and running again appends only what is still missing. {@code rows}
   * must not repeat a key.
   */
  public void appendMissing(Table table, Dataset<Row> rows, List<String> keys) {
    ensure(table);
    Column matches = null;
    for (String key : keys) {
      Column same = col("t." + key).equalTo(col("s." + key));
      matches = matches == null ? same : matches.and(same);
    }
    DeltaTable.forPath(spark, location(table)).as("t")
        .merge(conform(table, rows).as("s"), matches)
        .whenNotMatched()
        .insertAll()
        .execute();
  }

  /**
   * Appends the rows of {@code runId} whose {@code keys} the run's rows do not hold yet, in one
   * Delta merge that reads the run's partition only; a merge that lost a conflict is retried and
   * then inserts only what is still missing.
   */
  public void appendMissingInRun(Table table, String runId, Dataset<Row> rows, List<String> keys) {
    ensure(table);
    Column matches = col("t.run_id").equalTo(lit(runId));
    for (String key : keys) {
      matches = matches.and(col("t." + key).equalTo(col("s." + key)));
    }
    Column condition = matches;
    Dataset<Row> shaped = conform(table, rows).filter(col("run_id").equalTo(lit(runId)));
    commit(table, () -> DeltaTable.forPath(spark, location(table)).as("t")
        .merge(shaped.as("s"), condition)
        .whenNotMatched()
        .insertAll()
        .execute());
  }

  /**
   * Deletes, in one Delta merge, the rows of {@code runId} in {@code table} that match no row of
   * {@code keep} under {@code matches}, a condition over the table's columns (prefixed {@code t.})
   * and {@code keep}'s (prefixed {@code s.}). The run's other rows and other runs stay as they are.
   */
  public void deleteRunRowsNotIn(Table table, String runId, Dataset<Row> keep, Column matches) {
    Column run = col("t.run_id").equalTo(lit(runId));
    // Path-based, as the writes above: the merge runs on the table's Delta log.
    commit(table, () -> DeltaTable.forPath(spark, location(table)).as("t")
        .merge(keep.as("s"), run.and(matches))
        .whenNotMatchedBySource(run)
        .delete()
        .execute());
  }

  /**
   * Runs a Delta write that replaces, appends or deletes rows of one run, again with backoff when
   * another writer's commit conflicted with it (Delta's {@code ConcurrentAppendException} and kin:
   * nothing of the losing attempt was committed, and the write is the same when run again). Writes
   * of different runs touch different partitions and do not conflict; writes of the same run at
   * once (e.g. two report sections of {@code metrics}) can.
   */
  private void commit(Table table, CheckedRunnable write) {
    commit(table, COMMIT_RETRIES, write);
  }

  private void commit(Table table, int retries, CheckedRunnable write) {
    if (retries == 0) {
      try {
        write.run();
        return;
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }
    Failsafe.with(RetryPolicy.<Void>builder()
            .handle(DeltaConcurrentModificationException.class)
            .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(5))
            .withJitter(0.25)
            .withMaxRetries(retries)
            .onRetry(e -> LOG.info("{}: another writer committed first ({}); attempt {} of {}", table.tableName(),
                e.getLastException().getClass().getSimpleName(), e.getAttemptCount() + 1, retries + 1))
            .build())
        .run(write);
  }

  /**
   * Storage location of a table (a local path or an s3a:// URI), from the catalog's metadata: one
   * metastore call, no Spark job (as {@code DESCRIBE DETAIL} would run). Synchronized: a stage's
   * threads (pieces committing, the run ledger's writes) look locations up at once.
   */
  public synchronized String location(Table table) {
    ensure(table);
    return locations.computeIfAbsent(table, this::catalogLocation);
  }

  private String catalogLocation(Table table) {
    try {
      return spark.sessionState().catalog()
          .getTableMetadata(new TableIdentifier(table.tableName(), Option.apply(database))).location().toString();
    } catch (AnalysisException e) {
      throw new IllegalStateException("table " + qualified(table) + " was just ensured but the catalog has no "
          + "metadata for it: " + e.getMessage(), e);
    }
  }

  /**
   * All rows of a table, read from its Delta log by location (looked up once): a read costs no
   * catalog call, as the writes above.
   */
  public Dataset<Row> read(Table table) {
    return spark.read().format("delta").load(location(table));
  }

  /** The rows of one run. */
  public Dataset<Row> readRun(Table table, String runId) {
    return read(table).filter(col("run_id").equalTo(lit(runId)));
  }

  /** The rows of one run; fails with a hint to run {@code previousStage} when there are none. */
  public Dataset<Row> requireRun(Table table, String runId, String previousStage) {
    Dataset<Row> rows = readRun(table, runId);
    if (rows.isEmpty()) {
      throw Errors.missingRun(qualified(table), runId,
          "Run '" + previousStage + "' with --run-id " + runId + " first, or pass the run id that produced it.");
    }
    return rows;
  }

  /** Selects the table's columns in order, cast to its types; missing columns fail clearly. */
  static Dataset<Row> conform(Table table, Dataset<Row> rows) {
    Set<String> present = Arrays.stream(rows.columns()).collect(Collectors.toSet());
    List<String> missing = new ArrayList<>();
    List<Column> columns = new ArrayList<>();
    for (StructField field : table.schema().fields()) {
      if (!present.contains(field.name())) {
        missing.add(field.name());
      } else {
        columns.add(col(field.name()).cast(field.dataType()).as(field.name()));
      }
    }
    if (!missing.isEmpty()) {
      throw Errors.stageFailed("write " + table.tableName(),
          "the rows to write lack column(s) " + String.join(", ", missing) + "; this is a bug in ecolens", null);
    }
    return rows.select(columns.toArray(Column[]::new));
  }
}
