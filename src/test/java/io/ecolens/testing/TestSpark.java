package io.ecolens.testing;

import io.ecolens.spark.LocalFiles;
import io.ecolens.spark.SparkSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The one local SparkSession every test shares (Delta + an embedded Hive catalog in a temporary
 * warehouse). Starting Spark costs seconds, so it is started once per test JVM.
 */
public final class TestSpark {
  private static SparkSession session;
  private static Path warehouse;

  private TestSpark() {}

  /** The shared session, started on first use. */
  public static synchronized SparkSession session() {
    if (session == null) {
      try {
        warehouse = Files.createTempDirectory("ecolens-test-warehouse");
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      SparkSession.Builder builder = SparkSession.builder()
          .master("local[2]")
          .appName("ecolens-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "2")
          .config("spark.default.parallelism", "2")
          .config("spark.sql.session.timeZone", "UTC")
          .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
          .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
          .config("spark.databricks.delta.snapshotPartitions", "2")
          .config("spark.sql.adaptive.enabled", "false") // as SparkSessions sets for local masters
          // Tables of a few rows gain nothing from min/max file skipping, and every read of a new table
          // version parses the stats of its files for it (partition pruning by run_id stays); the
          // pipeline test took 237 s against 251 s with it, mean of two interleaved pairs
          .config("spark.databricks.delta.stats.skipping", "false")
          // Test classes run the same stages' queries again and again in one JVM, and Spark keeps only
          // 100 generated classes by default: with 4,000 a query compiled once is compiled once per JVM
          // (three heavy stage test classes: 228 s against 270 s, mean of two interleaved pairs)
          .config("spark.sql.codegen.cache.maxEntries", "4000")
          .config("spark.sql.sources.parallelPartitionDiscovery.parallelism", "2");
      session = SparkSessions.embeddedCatalog(LocalFiles.use(builder), warehouse).getOrCreate();
    }
    return session;
  }

  /** The temporary warehouse folder of the shared session. */
  public static synchronized Path warehouse() {
    session();
    return warehouse;
  }
}
