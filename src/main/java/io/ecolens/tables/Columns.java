package io.ecolens.tables;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Builders for commented schema fields, so table definitions read as a list of columns. */
final class Columns {
  private Columns() {}

  static StructType columns(StructField... fields) {
    return new StructType(fields);
  }

  static StructField string(String name, String comment) {
    return field(name, DataTypes.StringType, comment);
  }

  static StructField longs(String name, String comment) {
    return field(name, DataTypes.LongType, comment);
  }

  static StructField integer(String name, String comment) {
    return field(name, DataTypes.IntegerType, comment);
  }

  static StructField dbl(String name, String comment) {
    return field(name, DataTypes.DoubleType, comment);
  }

  static StructField bool(String name, String comment) {
    return field(name, DataTypes.BooleanType, comment);
  }

  static StructField timestamp(String name, String comment) {
    return field(name, DataTypes.TimestampType, comment);
  }

  static StructField array(String name, String comment) {
    return field(name, DataTypes.createArrayType(DataTypes.StringType), comment);
  }

  static StructField floats(String name, String comment) {
    return field(name, DataTypes.createArrayType(DataTypes.FloatType), comment);
  }

  static StructField map(String name, DataType valueType, String comment) {
    return field(name, DataTypes.createMapType(DataTypes.StringType, valueType), comment);
  }

  private static StructField field(String name, DataType type, String comment) {
    return new StructField(name, type, true, Metadata.empty()).withComment(comment);
  }
}
