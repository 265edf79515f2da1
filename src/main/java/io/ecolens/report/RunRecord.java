package io.ecolens.report;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;

/** The {@code runs} row of one run, as the report shows it. */
record RunRecord(String status, Instant startedAt, Instant finishedAt, Map<String, Double> stageSeconds,
    Map<String, Long> counts, String appVersion, Long inputTokens, Long outputTokens, Double costUsd,
    String error) {

  RunRecord {
    stageSeconds = stageSeconds == null ? Map.of() : Map.copyOf(stageSeconds);
    counts = counts == null ? Map.of() : Map.copyOf(counts);
  }

  /** Reads a row shaped like {@code runs}, columns by name. */
  static RunRecord of(Row row) {
    return new RunRecord(
        row.getAs("status"),
        instant(row.getAs("started_at")),
        instant(row.getAs("finished_at")),
        nonNullValues(row.<String, Double>getJavaMap(row.fieldIndex("stage_seconds"))),
        nonNullValues(row.<String, Long>getJavaMap(row.fieldIndex("counts"))),
        row.getAs("app_version"),
        row.getAs("input_tokens"),
        row.getAs("output_tokens"),
        row.getAs("cost_usd"),
        row.getAs("error"));
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }

  private static <V> Map<String, V> nonNullValues(Map<String, V> map) {
    Map<String, V> copy = new TreeMap<>();
    if (map != null) {
      map.forEach((k, v) -> {
        if (k != null && v != null) {
          copy.put(k, v);
        }
      });
    }
    return new LinkedHashMap<>(copy);
  }
}
