package io.ecolens.bench;

import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.spark.SparkSessions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Prints every {@code metrics} row of a run as sorted tab-separated lines, values to 12 significant
 * digits, so two runs (e.g. the demo before and after a refactor) can be compared with {@code diff}:
 * {@code jobs/bench.sh metrics-dump WAREHOUSE RUN_ID > before.tsv}.
 */
public final class MetricsDump {
  private MetricsDump() {}

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: MetricsDump WAREHOUSE RUN_ID");
      System.exit(2);
    }
    EcolensConfig config = ConfigLoader.load(null, List.of("catalog.warehouse=" + Path.of(args[0]).toAbsolutePath()));
    SparkSession spark = SparkSessions.create(config, "ecolens metrics-dump");
    try {
      PrintStream out = System.out;
      List<Row> rows = spark.sql("SELECT report, metric, category, slice_key, slice_value, value, ci_low, ci_high, n"
          + " FROM " + config.catalog().database() + ".metrics WHERE run_id = '" + args[1].replace("'", "''") + "'")
          .collectAsList();
      rows.stream().map(MetricsDump::line).sorted().forEach(out::println);
      System.err.printf("%d metrics rows of run %s%n", rows.size(), args[1]);
    } finally {
      spark.stop();
    }
  }

  private static String line(Row r) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      sb.append(r.isNullAt(i) ? "null" : r.get(i).toString()).append('\t');
    }
    for (int i = 5; i < 8; i++) {
      sb.append(r.isNullAt(i) ? "null" : String.format("%.12g", r.getDouble(i))).append('\t');
    }
    return sb.append(r.isNullAt(8) ? "null" : r.get(8).toString()).toString();
  }
}
