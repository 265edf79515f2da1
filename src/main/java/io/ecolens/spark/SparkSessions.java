package io.ecolens.spark;

import io.ecolens.config.EcolensConfig;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the SparkSession for a command. Precedence, lowest first: ecolens defaults, the
 * {@code spark} section of the config, then whatever spark-submit already set (a master given to
 * spark-submit always wins). With {@code catalog.embedded} the session gets a Derby-backed Hive
 * metastore under the warehouse folder; otherwise the cluster's own catalog is used.
 */
public final class SparkSessions {
  private SparkSessions() {}

  /** Creates (or returns the active) session for a command run. */
  public static SparkSession create(EcolensConfig config, String appName) {
    SparkConf submitted = new SparkConf(); // reads the spark.* system properties spark-submit set
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    if (!submitted.contains("spark.master")) {
      builder.master(config.spark().master());
    }
    boolean local = submitted.get("spark.master", config.spark().master()).startsWith("local");
    builder
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.shuffle.partitions", String.valueOf(config.spark().shufflePartitions()))
        .config("spark.sql.session.timeZone", "UTC");
    if (local) {
      // Delta reads its log with 50 tasks by default, sized for clusters; locally that is overhead.
      // Adaptive execution re-plans every query at each shuffle, one Spark job per stage: on one
      // machine's small tables that costs more than it saves (the demo: 104 s without, 116 s with).
      builder.config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
          .config("spark.databricks.delta.snapshotPartitions", "4")
          .config("spark.sql.adaptive.enabled", "false");
      LocalFiles.use(builder);
    }
    if (config.catalog().embedded()) {
      embeddedCatalog(builder, Path.of(config.catalog().warehouse()));
    }
    for (Map.Entry<String, String> e : config.spark().conf().entrySet()) {
      builder.config(e.getKey(), e.getValue());
    }
    // the openai scorer's HTTP client needs a common ForkJoinPool on small executors (CommonPool)
    String executorOptions = config.spark().conf().getOrDefault("spark.executor.extraJavaOptions",
        submitted.get("spark.executor.extraJavaOptions", ""));
    String executorCores = config.spark().conf().getOrDefault("spark.executor.cores",
        submitted.get("spark.executor.cores", null));
    builder.config("spark.executor.extraJavaOptions", CommonPool.executorJavaOption(executorOptions, executorCores));
    return builder.getOrCreate();
  }

  /** Points the session at a Derby-backed Hive metastore and warehouse under {@code warehouse}. */
  public static SparkSession.Builder embeddedCatalog(SparkSession.Builder builder, Path warehouse) {
    Path root = warehouse.toAbsolutePath().normalize();
    System.setProperty("derby.system.home", root.toString());
    System.setProperty("derby.stream.error.file", root.resolve("derby.log").toString());
    return builder
        .config("spark.sql.warehouse.dir", root.toUri().toString())
        .config("spark.sql.catalogImplementation", "hive")
        .config("spark.hadoop.javax.jdo.option.ConnectionURL",
            "jdbc:derby:;databaseName=" + root.resolve("metastore_db") + ";create=true")
        .config("spark.hadoop.datanucleus.schema.autoCreateAll", "true")
        .config("spark.hadoop.hive.metastore.schema.verification", "false")
        // Derby lets one process at a time open the catalog: when another holds it, waiting 2 s and
        // trying again nine times (Hive's default) only delays the message saying so
        .config("spark.hadoop.hive.hmshandler.retry.attempts", "1");
  }
}
