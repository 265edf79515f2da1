package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A file or table format Spark reads: {@code input.corpus.format}, {@code input.labels.format}. */
public enum DataFormat implements Choice {
  JSON("json"),
  CSV("csv"),
  PARQUET("parquet"),
  DELTA("delta");

  private final String id;

  DataFormat(String id) {
    this.id = id;
  }

  @JsonCreator
  public static DataFormat of(String id) {
    return Choice.parse(DataFormat.class, id);
  }

  @Override
  @JsonValue
  public String id() {
    return id;
  }

  @Override
  public String toString() {
    return id;
  }
}
