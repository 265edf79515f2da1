package io.ecolens.ingest;

import io.ecolens.config.LabelLayout;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.ecolens.config.EcolensConfig.LabelSettings;
import io.ecolens.config.EcolensConfig.SourceSettings;
import io.ecolens.run.RunContext;
import io.ecolens.tables.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads human policy labels (long: item x category x annotator; or wide: a column per category)
 * into {@code policy_labels}. Rows with an unknown category or an unreadable label go to {@code
 * content_quarantine} with the reason, prefixed "policy label:".
 */
public final class LabelLoader {
  private static final Logger LOG = LoggerFactory.getLogger(LabelLoader.class);
  static final List<String> LONG_COLUMNS =
      List.of("content_id", "category", "label", "annotator_id", "labeled_at", "policy_version");
  private static final Object[] TRUE_WORDS = {"true", "1", "yes", "y", "violating", "violation", "positive"};
  private static final Object[] FALSE_WORDS = {"false", "0", "no", "n", "ok", "allowed", "negative", "none"};

  /**
   * Counts of one load: label rows read (for a wide file, one per row and category column), loaded
   * and rejected, and, for a wide file, the cells left empty ({@code notLabelled}: the item was not
   * labelled for that category; -1 for a long file). read = loaded + rejected + not labelled.
   */
  public record Result(long read, long loaded, long rejected, long notLabelled) {}

  private final RunContext ctx;

  public LabelLoader(RunContext ctx) {
    this.ctx = ctx;
  }

  public Result load() {
    LabelSettings labels = ctx.config().input().labels();
    SourceSettings source = new SourceSettings(labels.path(), labels.format(), labels.options(), labels.columns());
    Dataset<Row> longRows;
    long notLabelled = -1;
    Dataset<Row> cells = null; // a wide file's cells, kept: counted, then checked, from one read of the source
    if (labels.layout() == LabelLayout.WIDE) {
      List<String> wideColumns = new ArrayList<>(List.of("content_id", "annotator_id", "labeled_at", "policy_version"));
      wideColumns.addAll(labels.categoryColumns());
      Dataset<Row> wide = SourceReader.read(ctx.spark(), source, "input.labels", wideColumns, Set.of("content_id"));
      cells = toLong(wide, labels.categoryColumns()).cache();
      // an empty cell says the item was not labelled for that category: not a label, not a bad one
      Column empty = functions.not(col(SourceReader.MALFORMED))
          .and(coalesce(trim(col("label").cast("string")), lit("")).equalTo(""));
      notLabelled = cells.filter(empty).count();
      longRows = cells.filter(functions.not(empty));
    } else {
      longRows = SourceReader.read(ctx.spark(), source, "input.labels", LONG_COLUMNS,
          Set.of("content_id", "category", "label"));
    }
    Dataset<Row> checked = check(longRows, ctx.policy().categories().stream().map(c -> c.id()).toList(),
        ctx.policy().version()).cache();
    try {
      String runId = ctx.runId();
      ctx.store().replaceRun(Table.POLICY_LABELS, runId,
          checked.filter(size(col("reasons")).equalTo(0)).withColumn("run_id", lit(runId)));
      Dataset<Row> rejected = checked.filter(size(col("reasons")).gt(0));
      long read = checked.count();
      long rejectedCount = rejected.count();
      if (rejectedCount > 0) {
        ctx.store().replaceRunPart(Table.CONTENT_QUARANTINE, runId, "source_file", "policy_labels:" + labels.path(),
            rejected.select(lit(runId).as("run_id"), col("content_id"), col(SourceReader.RAW).as("raw_record"),
                col("reasons"), lit("policy_labels:" + labels.path()).as("source_file"),
                current_timestamp().as("quarantined_at")));
        LOG.warn("labels: {} of {} label rows rejected; see {} where source_file = 'policy_labels:{}'",
            rejectedCount, read, ctx.store().qualified(Table.CONTENT_QUARANTINE), labels.path());
      }
      LOG.info("labels: loaded {} human label rows from {}", read - rejectedCount, labels.path());
      if (notLabelled > 0) {
        LOG.info("labels: {} cells of {} left empty: those items are not labelled for those categories",
            notLabelled, labels.path());
      }
      return new Result(read + Math.max(0, notLabelled), read - rejectedCount, rejectedCount, notLabelled);
    } finally {
      checked.unpersist();
      if (cells != null) {
        cells.unpersist();
      }
    }
  }

  /** One row per category column of each wide row, the column name as the category. */
  static Dataset<Row> toLong(Dataset<Row> wide, List<String> categoryColumns) {
    Column[] entries = categoryColumns.stream()
        .map(c -> struct(lit(c).as("category"), col(c).as("label")))
        .toArray(Column[]::new);
    return wide.withColumn("_entry", explode(array(entries)))
        .select(col("content_id"), col("_entry.category").as("category"), col("_entry.label").as("label"),
            col("annotator_id"), col("labeled_at"), col("policy_version"),
            col(SourceReader.RAW), col(SourceReader.MALFORMED));
  }

  /** Parses labels and lists every problem in {@code reasons}; pure. */
  static Dataset<Row> check(Dataset<Row> rows, List<String> categories, String policyVersion) {
    Column labelText = lower(trim(col("label")));
    Column label = when(labelText.isin(TRUE_WORDS), lit(true))
        .when(labelText.isin(FALSE_WORDS), lit(false));
    Column category = lower(trim(col("category")));
    Column reasons = filter(array(
        when(col(SourceReader.MALFORMED), lit("policy label: malformed record")),
        when(coalesce(trim(col("content_id")), lit("")).equalTo(""), lit("policy label: content_id is missing")),
        when(category.isNull().or(category.equalTo("")), lit("policy label: category is missing"))
            .when(functions.not(category.isin(categories.toArray())),
                concat(lit("policy label: unknown category '"), category,
                    lit("'; add it to the policy file or fix the label source"))),
        when(label.isNull(), concat(lit("policy label: label is not true/false: '"),
            coalesce(col("label"), lit("null")), lit("'")))), c -> c.isNotNull());
    return rows.select(
        trim(col("content_id")).as("content_id"),
        category.as("category"),
        label.as("label"),
        coalesce(col("annotator_id"), lit("unknown")).as("annotator_id"),
        expr("try_cast(labeled_at AS TIMESTAMP)").as("labeled_at"),
        coalesce(col("policy_version"), lit(policyVersion)).as("policy_version"),
        reasons.as("reasons"),
        col(SourceReader.RAW));
  }
}
