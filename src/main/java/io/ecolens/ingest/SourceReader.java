package io.ecolens.ingest;

import io.ecolens.config.DataFormat;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get_json_object;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig.SourceSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads a source (JSON lines, CSV, Parquet or Delta; local or s3a://) into ecolens's column names,
 * every value as a string, so that type problems become quarantine reasons instead of read
 * failures. Adds {@code _raw} (the record as read), {@code _malformed} (true when the record could
 * not be parsed) and {@code _source_file}.
 */
public final class SourceReader {
  public static final String RAW = "_raw";
  public static final String MALFORMED = "_malformed";
  public static final String SOURCE_FILE = "_source_file";
  private static final String CORRUPT = "_corrupt_record";

  private SourceReader() {}

  /**
   * Reads {@code source} as the given canonical columns. {@code required} columns must exist in
   * sources that carry a schema (CSV header, Parquet, Delta); for JSON a missing field is null.
   */
  public static Dataset<Row> read(SparkSession spark, SourceSettings source, String configKey,
      List<String> canonical, Set<String> required) {
    Map<String, String> mapping = source.columns();
    for (String key : mapping.keySet()) {
      if (!canonical.contains(key)) {
        throw Errors.config("the config", configKey + ".columns." + key,
            "'" + key + "' is not an ecolens column; map one of: " + String.join(", ", canonical));
      }
    }
    Dataset<Row> raw = switch (source.format()) {
      case JSON -> readJson(spark, source, canonical);
      case CSV -> options(spark.read().format("csv").option("header", "true"), source)
          .option("mode", "PERMISSIVE").load(source.path());
      case PARQUET, DELTA -> options(spark.read().format(source.format().id()), source).load(source.path());
    };
    Set<String> present = new LinkedHashSet<>(Arrays.asList(raw.columns()));
    List<String> missing = new ArrayList<>();
    List<Column> columns = new ArrayList<>();
    List<Column> rawFields = new ArrayList<>();
    for (String name : canonical) {
      String sourceName = mapping.getOrDefault(name, name);
      String top = sourceName.contains(".") ? sourceName.substring(0, sourceName.indexOf('.')) : sourceName;
      if (!present.contains(top)) {
        if (required.contains(name) && source.format() != DataFormat.JSON) {
          missing.add(name + " (source column '" + sourceName + "')");
        }
        columns.add(lit(null).cast(DataTypes.StringType).as(name));
        continue;
      }
      Column value = asString(raw, top);
      if (!top.equals(sourceName)) {
        value = get_json_object(value, "$." + sourceName.substring(top.length() + 1));
      }
      columns.add(value.as(name));
      rawFields.add(col(quote(top)));
    }
    if (!missing.isEmpty()) {
      throw Errors.missingColumns("Source " + source.path(), missing,
          "Map each to a column of the source under " + configKey + ".columns, e.g. content_id: id.");
    }
    boolean hasCorrupt = present.contains(CORRUPT);
    Column malformed = hasCorrupt ? col(CORRUPT).isNotNull() : lit(false);
    Column rawRecord = rawFields.isEmpty()
        ? lit(null).cast(DataTypes.StringType)
        : to_json(struct(rawFields.toArray(Column[]::new)));
    if (hasCorrupt) {
      rawRecord = when(col(CORRUPT).isNotNull(), col(CORRUPT)).otherwise(rawRecord);
    }
    columns.add(rawRecord.as(RAW));
    columns.add(malformed.as(MALFORMED));
    columns.add(input_file_name().as(SOURCE_FILE));
    return raw.select(columns.toArray(Column[]::new));
  }

  private static Dataset<Row> readJson(SparkSession spark, SourceSettings source, List<String> canonical) {
    // Every top-level field as a string: Spark keeps the raw text of numbers, arrays and objects,
    // so a wrong type becomes a quarantine reason later rather than a null now.
    Set<String> tops = new LinkedHashSet<>();
    for (String name : canonical) {
      String sourceName = source.columns().getOrDefault(name, name);
      tops.add(sourceName.contains(".") ? sourceName.substring(0, sourceName.indexOf('.')) : sourceName);
    }
    StructType schema = new StructType();
    for (String top : tops) {
      schema = schema.add(top, DataTypes.StringType);
    }
    schema = schema.add(CORRUPT, DataTypes.StringType);
    return options(spark.read().format("json"), source)
        .schema(schema)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT)
        .load(source.path());
  }

  private static DataFrameReader options(DataFrameReader reader, SourceSettings source) {
    return reader.options(source.options());
  }

  private static Column asString(Dataset<Row> raw, String name) {
    StructField field = raw.schema().apply(name);
    if (field.dataType() instanceof ArrayType || field.dataType() instanceof StructType
        || field.dataType() instanceof MapType) {
      return to_json(col(quote(name)));
    }
    return col(quote(name)).cast(DataTypes.StringType);
  }

  private static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
