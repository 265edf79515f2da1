package io.ecolens.scorer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * How many of the items a run (or a scoring task) tried failed, the most common reason, and what
 * likely fixes it: what tells a scorer that returned nothing usable from a model that scores badly.
 *
 * @param tried items that ended {@code ok} or {@code error} (cached copies are not tried)
 * @param failed items that ended {@code error}
 * @param topReason the most common error, without its attempt count; null when none failed
 * @param topReasonItems items that failed with {@code topReason}
 */
public record ScoringFailures(long tried, long failed, String topReason, long topReasonItems) {
  private static final String ATTEMPTS = "\\s*\\(after \\d+ attempts?\\)\\s*$";

  /** An error as the scorer wrote it, without " (after N attempts)", so that equal causes count together. */
  public static String reasonOf(String error) {
    return error == null ? "unknown error" : error.replaceAll(ATTEMPTS, "").strip();
  }

  /**
   * The failures of a run's {@code scores} rows (columns content_id, status, error): one aggregate
   * over them, and a second for the most common reason only when some item failed.
   */
  public static ScoringFailures of(Dataset<Row> scores) {
    Row totals = scores.agg(
        countDistinct(when(col("status").isin("ok", "error"), col("content_id"))),
        countDistinct(when(col("status").equalTo("error"), col("content_id")))).first();
    long tried = totals.getLong(0);
    long failed = totals.getLong(1);
    if (failed == 0) {
      return new ScoringFailures(tried, 0, null, 0);
    }
    Column reason = regexp_replace(col("error"), ATTEMPTS, "");
    List<Row> top = scores.filter(col("status").equalTo(lit("error")))
        .groupBy(reason.as("reason")).agg(countDistinct(col("content_id")).as("items"))
        .orderBy(col("items").desc(), col("reason"))
        .limit(1).collectAsList(); // one row
    Row r = top.get(0);
    return new ScoringFailures(tried, failed, r.isNullAt(0) ? "unknown error" : r.getString(0).strip(),
        r.getLong(1));
  }

  /** The failures counted by reason, as a task counts them. */
  public static ScoringFailures of(long tried, Map<String, Long> failedByReason) {
    long failed = 0;
    String top = null;
    long topItems = 0;
    for (Map.Entry<String, Long> e : new java.util.TreeMap<>(failedByReason).entrySet()) {
      failed += e.getValue();
      if (e.getValue() > topItems) {
        top = e.getKey();
        topItems = e.getValue();
      }
    }
    return new ScoringFailures(tried, failed, top, topItems);
  }

  /** Share of the tried items that failed; 0 when none was tried. */
  public double share() {
    return tried == 0 ? 0 : (double) failed / tried;
  }

  /**
   * True when the failures pass the bound: at least {@code minItems} items were tried (or every one
   * of {@code toTry}, when there are fewer) and at least {@code maxShare} of them failed.
   */
  public boolean systemic(double maxShare, long minItems, long toTry) {
    long enough = Math.max(1, Math.min(minItems, toTry));
    return tried >= enough && failed > 0 && failed >= maxShare * tried;
  }

  /** "12 of the 12 items tried failed (100%); most common error (12 items): "..."". */
  public String describe() {
    String counts = String.format(Locale.ROOT, "%,d of the %,d items tried failed (%.0f%%)", failed, tried,
        share() * 100);
    return topReason == null ? counts
        : counts + String.format(Locale.ROOT, "; most common error (%,d items): \"%s\"", topReasonItems, topReason);
  }

  /** What most likely fixes the most common error, naming the settings to change. */
  public String likelyFix() {
    String r = topReason == null ? "" : topReason.toLowerCase(Locale.ROOT);
    if (r.startsWith("malformed answer") || r.startsWith("unreadable answer")) {
      return "the model does not follow the answer schema: try score.openai.response-format json_schema (or "
          + "json_object when the server has no structured outputs), a larger model, fewer "
          + "score.openai.items-per-request, or a larger score.openai.max-output-tokens";
    }
    if (r.startsWith("timeout")) {
      return "the endpoint answers too slowly: raise score.openai.timeout-ms, or lower "
          + "score.openai.max-concurrency or score.openai.items-per-request";
    }
    if (r.startsWith("http 429")) {
      return "the endpoint keeps rate-limiting: set score.openai.requests-per-minute, tokens-per-minute and "
          + "max-concurrency to the quota it grants";
    }
    if (r.startsWith("http 5") || r.startsWith("connection error")) {
      return "the endpoint is failing: check that it is up and healthy (its logs, score.openai.endpoint), "
          + "and lower score.openai.max-concurrency if it fails under load";
    }
    if (r.startsWith("http 4")) {
      return "the endpoint refuses the requests: check score.openai.endpoint, model and response-format "
          + "against what the server supports; a context-length error calls for fewer score.openai.items-per-request";
    }
    return "check the scorer's settings (score.*) against the error column of table scores";
  }
}
