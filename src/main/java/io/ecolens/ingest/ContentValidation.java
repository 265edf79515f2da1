package io.ecolens.ingest;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Pure checks and normalisation of raw content records (all strings, as {@link SourceReader}
 * reads them). Adds typed columns and {@code reasons}: every failed check, empty when the record
 * is accepted. Nothing here reads or writes storage.
 */
public final class ContentValidation {
  /** Columns a corpus may map; only content_id is required. */
  public static final List<String> COLUMNS = List.of(
      "content_id", "creator_id", "format", "language", "region", "created_at",
      "title", "description", "transcript", "hashtags", "views", "likes", "comments", "shares");
  static final List<String> COUNTS = List.of("views", "likes", "comments", "shares");
  static final List<String> TEXTS = List.of("title", "description", "transcript");

  private static final Pattern CONTROL = Pattern.compile("[\\p{Cc}\\p{Cf}&&[^\\n]]");
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final UserDefinedFunction NORMALISE = udf(
      (UDF1<String, String>) ContentValidation::normaliseText, DataTypes.StringType);

  private ContentValidation() {}

  /** NFKC, control characters to spaces, whitespace runs collapsed, trimmed; null stays null. */
  public static String normaliseText(String text) {
    if (text == null) {
      return null;
    }
    String nfkc = Normalizer.normalize(text, Normalizer.Form.NFKC);
    return WHITESPACE.matcher(CONTROL.matcher(nfkc).replaceAll(" ")).replaceAll(" ").trim();
  }

  /**
   * Validates and normalises {@code raw}. The result has the typed content columns, {@code
   * content_hash}, {@code reasons} (array of strings), and keeps {@code _raw} and {@code
   * _source_file}.
   */
  public static Dataset<Row> validate(Dataset<Row> raw, int maxTextChars) {
    Dataset<Row> typed = raw
        .withColumn("content_id_clean", trim(col("content_id")))
        .withColumn("created_at_ts", timestamp())
        .withColumn("hashtags_list", hashtags());
    for (String count : COUNTS) {
      typed = typed.withColumn(count + "_n", expr("try_cast(trim(" + count + ") AS BIGINT)"));
    }
    for (String text : TEXTS) {
      typed = typed.withColumn(text + "_norm", NORMALISE.apply(col(text)));
    }
    Column textChars = coalesce(length(col("title_norm")), lit(0))
        .plus(coalesce(length(col("description_norm")), lit(0)))
        .plus(coalesce(length(col("transcript_norm")), lit(0)));
    typed = typed.withColumn("_text_chars", textChars);

    List<Column> checks = new ArrayList<>();
    checks.add(when(col(SourceReader.MALFORMED), lit("malformed record: not parseable in the source format")));
    checks.add(when(col("content_id_clean").isNull().or(col("content_id_clean").equalTo("")),
        lit("content_id is missing")));
    for (String count : COUNTS) {
      checks.add(when(col(count).isNotNull().and(col(count + "_n").isNull()),
          concat(lit(count + " is not a whole number: '"), substring(col(count), 1, 40), lit("'"))));
      checks.add(when(col(count + "_n").lt(0), concat(lit(count + " is negative: "), col(count))));
    }
    checks.add(when(col("created_at").isNotNull().and(col("created_at_ts").isNull()),
        concat(lit("created_at is not a timestamp: '"), substring(col("created_at"), 1, 40), lit("'"))));
    checks.add(when(col("hashtags").isNotNull().and(col("hashtags_list").isNull()),
        lit("hashtags is not a list of strings")));
    checks.add(when(col("_text_chars").equalTo(0)
            .and(coalesce(size(col("hashtags_list")), lit(0)).leq(0)),
        lit("no text: title, description, transcript and hashtags are all empty")));
    checks.add(when(col("_text_chars").gt(maxTextChars),
        concat(lit("text too long: "), col("_text_chars").cast("string"),
            lit(" characters (limit ingest.max-text-chars = " + maxTextChars + ")"))));
    Column reasons = filter(array(checks.toArray(Column[]::new)), c -> c.isNotNull());

    // Rows with a malformed record carry no usable fields; keep them null rather than guess.
    return typed.select(
        col("content_id_clean").as("content_id"),
        nullIfBlank(col("creator_id")).as("creator_id"),
        coalesce(nullIfBlank(lower(trim(col("format")))), lit("unknown")).as("format"),
        coalesce(nullIfBlank(lower(trim(col("language")))), lit("und")).as("language"),
        coalesce(nullIfBlank(upper(trim(col("region")))), lit("ZZ")).as("region"),
        col("created_at_ts").as("created_at"),
        col("title_norm").as("title"),
        col("description_norm").as("description"),
        col("transcript_norm").as("transcript"),
        coalesce(col("hashtags_list"), array().cast("array<string>")).as("hashtags"),
        col("views_n").as("views"),
        col("likes_n").as("likes"),
        col("comments_n").as("comments"),
        col("shares_n").as("shares"),
        contentHash().as("content_hash"),
        reasons.as("reasons"),
        col(SourceReader.RAW),
        col(SourceReader.SOURCE_FILE));
  }

  /** SHA-256 over the lower-cased normalised text fields and hashtags, unit-separated. */
  static Column contentHash() {
    return sha2(concat_ws("\u001f",
        lower(coalesce(col("title_norm"), lit(""))),
        lower(coalesce(col("description_norm"), lit(""))),
        lower(coalesce(col("transcript_norm"), lit(""))),
        concat_ws(" ", coalesce(col("hashtags_list"), array().cast("array<string>")))), 256);
  }

  /** {@code created_at} as ISO-8601 (with or without zone), or epoch seconds / milliseconds. */
  static Column timestamp() {
    Column t = trim(col("created_at"));
    return when(t.rlike("^[0-9]{13}$"), expr("timestamp_millis(try_cast(trim(created_at) AS BIGINT))"))
        .when(t.rlike("^[0-9]{9,10}$"), expr("timestamp_seconds(try_cast(trim(created_at) AS BIGINT))"))
        .otherwise(expr("try_cast(trim(created_at) AS TIMESTAMP)"));
  }

  /**
   * {@code hashtags} as a JSON array of strings, or a list separated by commas, spaces or '|';
   * lower case, without '#', empty entries dropped. Null when a JSON array does not parse.
   */
  static Column hashtags() {
    Column t = trim(col("hashtags"));
    Column parsed = when(t.startsWith("["), from_json(t, DataTypes.createArrayType(DataTypes.StringType)))
        .otherwise(split(t, "[,|\\s]+"));
    return filter(transform(parsed, h -> lower(regexp_replace(trim(h), "^#+", ""))),
        h -> h.isNotNull().and(h.notEqual("")));
  }

  private static Column nullIfBlank(Column c) {
    return when(trim(c).equalTo(""), lit(null).cast("string")).otherwise(c);
  }
}
