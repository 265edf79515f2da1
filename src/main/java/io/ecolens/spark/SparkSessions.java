package io.ecolens.spark;

import io.ecolens.catalog.CatalogServer;
import io.ecolens.config.EcolensConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
  private static final String DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
  private static final String DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog";

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
        .config("spark.sql.extensions", DELTA_EXTENSION)
        .config("spark.sql.catalog.spark_catalog", DELTA_CATALOG)
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
    Path warehouse = Path.of(config.catalog().warehouse()).toAbsolutePath().normalize();
    // a session already running (a test's, a notebook's) keeps its catalog: getOrCreate returns it
    boolean server = config.catalog().embedded() && config.catalog().server()
        && SparkSession.getDefaultSession().isEmpty() && CatalogServer.available();
    if (config.catalog().embedded()) {
      embeddedCatalog(builder, warehouse);
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
    if (!server) {
      return builder.getOrCreate();
    }
    // find or start the server, connect and create the catalog's schema if new, all under the
    // warehouse's lock: the server never stops between a client finding it and connecting, and
    // two processes never create the schema at once
    return CatalogServer.exclusive(warehouse, () -> {
      String url = CatalogServer.ensureRunning(warehouse, CatalogServer.DEFAULT_IDLE);
      catalogServerSettings(warehouse, url).forEach(builder::config);
      SparkSession session = builder.config(CatalogServer.SESSION_WAREHOUSE, warehouse.toString()).getOrCreate();
      session.catalog().databaseExists("default");
      return session;
    });
  }

  /**
   * The settings with which any Spark session on this machine (an ecolens command, a notebook,
   * spark-sql) uses the Delta tables of {@code warehouse} through its catalog server at {@code url}
   * (see {@link CatalogServer}), in the order to give them.
   */
  public static Map<String, String> catalogServerSettings(Path warehouse, String url) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("spark.sql.extensions", DELTA_EXTENSION);
    settings.put("spark.sql.catalog.spark_catalog", DELTA_CATALOG);
    settings.putAll(hiveCatalog(warehouse, url, "org.apache.derby.jdbc.ClientDriver"));
    return settings;
  }

  /** A Hive metastore in the Derby database at {@code url}, creating its schema on first use, with the warehouse. */
  private static Map<String, String> hiveCatalog(Path warehouse, String url, String driver) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("spark.sql.catalogImplementation", "hive");
    settings.put("spark.sql.warehouse.dir", warehouse.toAbsolutePath().normalize().toUri().toString());
    settings.put("spark.hadoop.javax.jdo.option.ConnectionURL", url);
    settings.put("spark.hadoop.javax.jdo.option.ConnectionDriverName", driver);
    settings.put("spark.hadoop.datanucleus.schema.autoCreateAll", "true");
    settings.put("spark.hadoop.hive.metastore.schema.verification", "false");
    return settings;
  }

  /** Points the session at a Derby-backed Hive metastore and warehouse under {@code warehouse}. */
  public static SparkSession.Builder embeddedCatalog(SparkSession.Builder builder, Path warehouse) {
    Path root = warehouse.toAbsolutePath().normalize();
    System.setProperty("derby.system.home", root.toString());
    System.setProperty("derby.stream.error.file", root.resolve("derby.log").toString());
    hiveCatalog(root, "jdbc:derby:;databaseName=" + root.resolve("metastore_db") + ";create=true",
        "org.apache.derby.jdbc.EmbeddedDriver").forEach(builder::config);
    return builder
        // Derby lets one process at a time open the catalog: when another holds it, waiting 2 s and
        // trying again nine times (Hive's default) only delays the message saying so
        .config("spark.hadoop.hive.hmshandler.retry.attempts", "1");
  }
}
