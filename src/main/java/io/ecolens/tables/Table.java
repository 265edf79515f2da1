package io.ecolens.tables;

import static io.ecolens.tables.Columns.array;
import static io.ecolens.tables.Columns.bool;
import static io.ecolens.tables.Columns.dbl;
import static io.ecolens.tables.Columns.floats;
import static io.ecolens.tables.Columns.integer;
import static io.ecolens.tables.Columns.longs;
import static io.ecolens.tables.Columns.map;
import static io.ecolens.tables.Columns.columns;
import static io.ecolens.tables.Columns.string;
import static io.ecolens.tables.Columns.timestamp;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The Delta tables ecolens writes: name, description and schema (with column comments). */
public enum Table {
  CONTENT("content", "Validated, normalised and deduplicated content items, one row per item and run",
      columns(
          string("run_id", "Run that ingested the item"),
          string("content_id", "Item id from the source corpus (unique within a run)"),
          string("creator_id", "Creator (account) id"),
          string("format", "Content format, lower case: video, photo, live, text, ... (unknown when absent)"),
          string("language", "Language code, lower case (und when absent)"),
          string("region", "Region code, upper case (ZZ when absent)"),
          timestamp("created_at", "When the item was posted (UTC)"),
          string("title", "Title, normalised (NFKC, whitespace collapsed)"),
          string("description", "Description, normalised"),
          string("transcript", "Speech transcript, normalised"),
          array("hashtags", "Hashtags, lower case, without the leading #"),
          longs("views", "View count"),
          longs("likes", "Like count"),
          longs("comments", "Comment count"),
          longs("shares", "Share count"),
          string("content_hash", "SHA-256 of the normalised, lower-cased text fields and hashtags"),
          string("source", "Where the item was read from (corpus path)"),
          timestamp("ingested_at", "When ecolens ingested the item"))),

  CONTENT_QUARANTINE("content_quarantine", "Raw records rejected by ingest, with every reason",
      columns(
          string("run_id", "Run that read the record"),
          string("content_id", "Item id when one could be read, else null"),
          string("raw_record", "The raw record as read (JSON of its fields, or the unparsable line)"),
          array("reasons", "Why the record was rejected; every failed check is listed"),
          string("source_file", "File the record came from"),
          timestamp("quarantined_at", "When ecolens rejected the record"))),

  SAMPLES("samples", "Stratified sample of content with inclusion probabilities and design weights",
      columns(
          string("run_id", "Run that drew the sample"),
          string("content_id", "Sampled item"),
          string("stratum", "Stratum key: the strata columns' values joined by '|'"),
          dbl("inclusion_probability", "Probability that the item was sampled (n_h / N_h)"),
          dbl("weight", "Design weight, 1 / inclusion_probability"),
          longs("stratum_population", "Items in the stratum (N_h)"),
          longs("stratum_sample_size", "Items sampled from the stratum (n_h)"))),

  SCORES("scores", "Scorer output, one row per item and policy category",
      columns(
          string("run_id", "Run that produced or reused the score"),
          string("content_id", "Scored item"),
          string("content_hash", "content_hash of the scored text; with policy_version, prompt_hash and model the cache key"),
          string("scorer", "Scorer type that decided the row: rules, embedded, openai, cascade"),
          string("model", "Model name or rule-set id"),
          string("policy_version", "Version of the policy file"),
          string("prompt_hash", "SHA-256 of the rendered prompt/rules and policy version"),
          string("category", "Policy category id"),
          bool("label", "true when the item is judged to violate the category (null on error)"),
          dbl("score", "Violation score in 0..1 (null on error)"),
          string("severity", "Category severity from the policy"),
          string("rationale", "Short reason for the score"),
          string("status", "ok, error, or cached (reused from an earlier run with the same key)"),
          string("error", "Why scoring failed, when status = error"),
          longs("input_tokens", "Input tokens billed for this row's share of the request"),
          longs("output_tokens", "Output tokens billed for this row's share of the request"),
          dbl("latency_ms", "Wall time of the scoring call that produced the row"),
          dbl("cost_usd", "Cost of this row's share of the request"),
          integer("attempts", "Attempts made (1 when the first succeeded; 0 when cached)"),
          timestamp("scored_at", "When the row was produced"))),

  LLM_BATCHES("llm_batches", "Batches of scoring requests sent through the provider's Batch API, one row per batch",
      columns(
          string("run_id", "Run whose items the batch scores"),
          integer("round", "1 for the run's first batches; n for batches of items sent again the n-th time"),
          string("input_file_id", "The uploaded JSONL file of requests"),
          string("batch_id", "The provider's batch id (null until the batch is created)"),
          string("status", "The provider's status (validating, in_progress, finalizing, completed, failed, expired, "
              + "cancelled), or uploaded before the batch is created"),
          map("requests", DataTypes.createArrayType(DataTypes.StringType),
              "custom_id of each request -> the content_ids it holds, in the order of its answer ids"),
          longs("request_count", "Requests in the batch"),
          longs("item_count", "Items in the batch"),
          longs("completed_requests", "Requests the provider answered (its request_counts.completed)"),
          longs("failed_requests", "Requests that failed or expired at the provider"),
          longs("input_tokens", "Input tokens of every answer in the batch"),
          longs("output_tokens", "Output tokens of every answer in the batch"),
          dbl("cost_usd", "What the batch cost at the batch price"),
          timestamp("submitted_at", "When the batch was created"),
          timestamp("finished_at", "When ecolens saw it ended"),
          timestamp("collected_at", "When its answers were in scores (null while they are not)"))),

  POLICY_LABELS("policy_labels", "Human policy labels, one row per item, category and annotator",
      columns(
          string("run_id", "Run that loaded the labels"),
          string("content_id", "Labelled item"),
          string("category", "Policy category id"),
          bool("label", "true when the annotator judged the item violating"),
          string("annotator_id", "Annotator"),
          timestamp("labeled_at", "When the label was given"),
          string("policy_version", "Policy version the annotator worked from"))),

  EVALUATIONS("evaluations", "Model label and score against the adjudicated human label, per item and category",
      columns(
          string("run_id", "Run"),
          string("content_id", "Item"),
          string("category", "Policy category id"),
          string("stratum", "Sample stratum of the item"),
          dbl("weight", "Design weight of the item"),
          string("scorer", "Scorer that decided the model label"),
          bool("model_label", "Model judged the item violating"),
          dbl("model_score", "Model score in 0..1"),
          bool("human_label", "Adjudicated human label (majority vote); null when annotators tied"),
          integer("human_votes", "Annotators who labelled the item for this category"),
          integer("human_positive_votes", "Annotators who judged it violating"),
          string("outcome", "tp, fp, fn, tn; or tie when the human vote tied"))),

  REVIEW_QUEUE("review_queue", "Items to send back to human review, ranked, with the reason",
      columns(
          string("run_id", "Run"),
          string("content_id", "Item"),
          string("category", "Policy category id"),
          string("reason", "false_positive, false_negative, annotators_tied or low_confidence"),
          dbl("model_score", "Model score in 0..1"),
          bool("model_label", "Model label"),
          bool("human_label", "Adjudicated human label"),
          integer("priority", "Rank within the category and slice (evaluate.review-queue-slice), 1 = review first"))),

  METRICS("metrics", "Every figure a report shows, in long format",
      columns(
          string("run_id", "Run"),
          string("report", "Report section: ingest, sample, score, agreement, prevalence"),
          string("metric", "Metric name, e.g. precision, f1, prevalence"),
          string("category", "Policy category id; empty when the metric has none"),
          string("slice_key", "Slice dimension, e.g. format; 'all' for the whole run"),
          string("slice_value", "Slice value; 'all' for the whole run"),
          dbl("value", "Metric value"),
          dbl("ci_low", "Lower end of the 95% confidence interval (null when none)"),
          dbl("ci_high", "Upper end of the 95% confidence interval (null when none)"),
          longs("n", "Items the metric was computed on"))),

  EMBEDDINGS("embeddings",
      "In-process embeddings, one per (content_hash, text_hash, model), computed once and reused by every run; not per run",
      columns(
          string("content_hash", "content_hash of the item whose text was embedded (empty when it had none)"),
          string("text_hash", "SHA-256 of the exact text embedded; with content_hash and model the key (content_hash"
              + " is taken over lower-cased fields, and consumers embed different renderings of an item)"),
          string("model", "Model id and everything else that changes the vector, e.g. all-minilm-l6-v2-q:max-tokens=256:windows=16"),
          integer("dimension", "Length of the vector"),
          floats("vector", "The embedding: mean-pooled, L2-normalised"),
          bool("truncated", "The text was longer than the model window and was cut to it"),
          timestamp("created_at", "When the vector was computed"))),

  RUNS("runs", "One row per run: status, timings, counts, cost and the config used",
      columns(
          string("run_id", "Run"),
          string("status", "running, succeeded or failed"),
          timestamp("started_at", "When the first stage of the run started"),
          timestamp("finished_at", "When the last stage of the run finished"),
          map("stage_seconds", DataTypes.DoubleType, "Wall time of each stage, in seconds"),
          map("counts", DataTypes.LongType, "Row counts: read, accepted, quarantined, duplicates, sampled, scored, ..."),
          string("config_json", "Configuration of the run as JSON, secrets removed"),
          string("app_version", "ecolens version"),
          longs("input_tokens", "Input tokens spent on scoring"),
          longs("output_tokens", "Output tokens spent on scoring"),
          dbl("cost_usd", "Scoring cost in USD"),
          string("error", "Error message when status = failed"))),

  GATE_RESULTS("gate_results", "Run-over-run quality gates, one row per configured gate and run; failed rows are the alerts",
      columns(
          string("run_id", "Run whose figures the gate checked"),
          integer("gate_index", "Position of the gate in the config's gates list, from 0"),
          string("gate", "The gate as configured, e.g. f1 [hate_speech] max-drop 0.03"),
          string("report", "Report (section of metrics) of the watched figure"),
          string("metric", "Metric of the watched figure"),
          string("category", "Category of the watched figure; empty when the metric has none"),
          string("slice_key", "Slice dimension of the watched figure; 'all' for the whole run"),
          string("slice_value", "Slice value of the watched figure; 'all' for the whole run"),
          string("baseline_run_id", "Run compared with (null when there was none)"),
          dbl("baseline_value", "The figure in the baseline run"),
          dbl("current_value", "The figure in this run"),
          dbl("delta", "current_value - baseline_value"),
          dbl("relative_change", "delta / |baseline_value|; null when the baseline value is 0"),
          dbl("p_value", "Two-proportion z-test p-value, for proportions"),
          bool("significant", "The change is significant (z-test at comparison.alpha, or non-overlapping 95% intervals)"),
          string("status", "passed, failed (an alert), or no_baseline (no earlier run to compare with; passes)"),
          string("message", "What was compared and which limit was broken"),
          timestamp("checked_at", "When the gate was checked"))),

  EXPERIMENT_RESULTS("experiment_results",
      "Experiment leaderboard: scorer variants on one labelled sample, one row per variant, category and metric",
      columns(
          string("run_id", "Experiment run"),
          string("experiment", "Experiment name (the experiment file's name key)"),
          string("variant", "Scorer variant the figure is about"),
          string("compared_to", "For a paired comparison, the variant subtracted (value = variant - compared_to); else empty"),
          string("category", "Policy category id; 'all' for pooled figures (micro F1, macro AUPRC) and per-variant costs"),
          string("metric", "f1, precision, recall, auprc, kappa, cost_per_1k_items, tokens_per_item, latency_p50_ms, latency_p95_ms, error_rate, f1_diff, auprc_diff, mcnemar_p, ..."),
          dbl("value", "Metric value"),
          dbl("ci_low", "Lower end of the 95% interval (null when none)"),
          dbl("ci_high", "Upper end of the 95% interval (null when none)"),
          longs("n", "Item x category pairs (or items) the figure was computed on; for McNemar the discordant pairs"),
          string("method", "How the figure or its interval was computed, e.g. percentile bootstrap, exact binomial"),
          string("scorer", "Scorer type of the variant"),
          string("model", "Model id of the variant (part of the scoring ledger key)"),
          string("policy_version", "Policy version of the variant"),
          string("prompt_hash", "SHA-256 of the variant's rendered prompt or rules and policy version"),
          string("settings_json", "The variant's score settings as JSON, secrets masked"),
          string("variant_run_id", "Run whose scores rows hold the variant's verdicts")));

  private final String tableName;
  private final String description;
  private final StructType schema;

  Table(String tableName, String description, StructType schema) {
    this.tableName = tableName;
    this.description = description;
    this.schema = schema;
  }

  /** Unqualified table name, e.g. {@code scores}. */
  public String tableName() {
    return tableName;
  }

  /** Table comment. */
  public String description() {
    return description;
  }

  /** Schema with a comment on every column. */
  public StructType schema() {
    return schema;
  }

  /**
   * Whether the table holds rows per run ({@code run_id}), every table but {@code embeddings}, which
   * is keyed by content. Such tables are partitioned by {@code run_id} when created: a run replaces
   * its own rows by dropping its partition's files, with no scan for the files that hold them and
   * no rewrite of files shared with other runs, and writes of different runs touch different files.
   */
  public boolean partitionedByRun() {
    return schema.getFieldIndex("run_id").isDefined();
  }

  /**
   * Delta table properties set when the table is created. {@code scores} takes a commit per scored
   * piece while requests are in flight, and Delta's checkpoint after every 10th commit runs Spark
   * jobs that wait for the task slots the scoring tasks hold: the piece that made the commit then
   * held its place in the commit window for seconds. A checkpoint every 100 commits makes that rare;
   * a reader replays at most 99 small JSON commits.
   */
  public String tableProperties() {
    return this == SCORES ? "'delta.checkpointInterval' = '100'" : "";
  }
}
