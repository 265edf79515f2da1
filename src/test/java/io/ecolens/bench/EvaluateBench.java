package io.ecolens.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.when;

import io.ecolens.evaluate.AgreementMetrics;
import io.ecolens.run.MetricRows;
import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark of the evaluate metrics ({@link AgreementMetrics}) over generated score rows with
 * human labels, next to the same figures in DuckDB. For each row count given, the rows are
 * generated and written once as Parquet (a temporary folder, deleted afterwards); then, each
 * timed on its own and each reading that Parquet, (a) ecolens computes every agreement figure with
 * {@link AgreementMetrics#compute} on Spark and (b) DuckDB computes the core figures in SQL
 * ({@link DuckDbAgreement}: confusion counts per category x slice, the threshold sweep, AP and ROC
 * AUC per category x slice, reliability bins and Brier score; ecolens also derives intervals, ECE
 * and micro / macro figures from these on the driver, which costs no scan). Both must give the same
 * figures ({@link AgreementFigures}: counts exactly, values to 1e-9), else the benchmark fails.
 * DuckDB runs in this JVM with as many threads as the Spark master has cores.
 *
 * <p>For the Spark side, two heap figures of the JVM that runs the driver: the peak used heap (a
 * thread polls the MemoryMXBean every 20 ms; it includes garbage not yet collected, so it mostly
 * shows how far the collector let the heap fill) and the peak live heap (the heap in use right
 * after each garbage collection, from the collectors' notifications), which is what would grow if
 * rows were gathered on the driver. The heap is collected before each size so the figures compare.
 * In {@code local[N]} the executors' tasks share this JVM, so both figures include their
 * aggregation buffers; DuckDB's memory is native, outside the heap. Usage:
 * {@code EvaluateBench <rows> [<rows> ...]}; prints {@code RESULT evaluate_<n>_seconds} (Spark) per
 * size, the largest last, then {@code RESULT evaluate_duckdb_<n>_seconds} per size and
 * {@code RESULT evaluate_vs_duckdb_ratio} (Spark seconds / DuckDB seconds at the largest size).
 */
public final class EvaluateBench {
  static final List<String> CATEGORIES = List.of("hate_speech", "harassment", "violence", "self_harm", "sexual",
      "spam_scam", "misinformation", "drugs", "weapons", "minor_safety");
  static final AgreementMetrics.Options OPTIONS =
      new AgreementMetrics.Options(List.of("format", "region", "language"), 30, 20, 10);
  static final double TOLERANCE = 1e-9;

  private EvaluateBench() {}

  public static void main(String[] args) throws Exception {
    String master = System.getProperty("bench.master", "local[2]");
    SparkSession spark = SparkSession.builder().master(master)
        .appName("ecolens-bench-evaluate")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", System.getProperty("bench.partitions", "8"))
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    Path root = Files.createTempDirectory("ecolens-bench-evaluate");
    List<String> results = new ArrayList<>();
    List<String> duckResults = new ArrayList<>();
    long largest = -1;
    double ratio = Double.NaN;
    int threads = cores(master);
    System.out.printf("Spark %s and DuckDB with %d threads; both timings include reading the Parquet files%n", master, threads);
    try (Connection duck = DuckDbAgreement.open(threads)) {
      for (String arg : args) {
        long rows = Long.parseLong(arg.replace("_", ""));
        Path parquet = root.resolve("rows-" + rows);
        long start = System.nanoTime();
        generate(spark, rows, CATEGORIES).write().parquet(parquet.toString());
        System.out.printf("parquet rows=%d written in %.1f s, %.0f MB (not timed below)%n",
            rows, (System.nanoTime() - start) / 1e9, folderBytes(parquet) / 1e6);

        Timed<Map<String, MetricRows>> sparkRun = timeSpark(spark, parquet, rows);
        start = System.nanoTime();
        AgreementFigures duckFigures = DuckDbAgreement.compute(duck, parquet.toString(), CATEGORIES,
            OPTIONS.slices(), OPTIONS.sweepSteps(), OPTIONS.calibrationBins());
        double duckSeconds = (System.nanoTime() - start) / 1e9;

        AgreementFigures sparkFigures = AgreementFigures.of(sparkRun.value());
        List<String> differences = sparkFigures.differences(duckFigures, TOLERANCE);
        if (!differences.isEmpty()) {
          throw new IllegalStateException(String.format("Spark and DuckDB disagree at %d rows on %d figures, e.g.:%n  %s",
              rows, differences.size(), String.join("\n  ", differences.subList(0, Math.min(20, differences.size())))));
        }
        System.out.printf("duckdb rows=%d threads=%d seconds=%.1f spark/duckdb=%.2f; figures identical: %d counts exactly,"
                + " %d values (largest difference %.1e)%n",
            rows, threads, duckSeconds, sparkRun.seconds() / duckSeconds, sparkFigures.counts().size(),
            sparkFigures.values().size(), sparkFigures.largestValueDifference(duckFigures));
        results.add(String.format("RESULT evaluate_%s_seconds %.1f", label(rows), sparkRun.seconds()));
        duckResults.add(String.format("RESULT evaluate_duckdb_%s_seconds %.1f", label(rows), duckSeconds));
        if (rows >= largest) {
          largest = rows;
          ratio = sparkRun.seconds() / duckSeconds;
        }
        deleteFolder(parquet);
      }
    } catch (Exception e) {
      e.printStackTrace();
      deleteFolder(root);
      spark.stop();
      System.exit(1);
    }
    deleteFolder(root);
    results.forEach(System.out::println);
    duckResults.forEach(System.out::println);
    System.out.printf("RESULT evaluate_vs_duckdb_ratio %.2f%n", ratio);
    spark.stop();
  }

  /** A value and the wall seconds it took. */
  record Timed<T>(T value, double seconds) {}

  /** ecolens's figures over the Parquet folder, timed from the read, with the driver's heap figures printed. */
  static Timed<Map<String, MetricRows>> timeSpark(SparkSession spark, Path parquet, long rows) throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    AtomicLong peak = new AtomicLong(memory.getHeapMemoryUsage().getUsed());
    long baseline = peak.get();
    LiveHeap live = LiveHeap.start();
    Thread poller = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    poller.setDaemon(true);
    poller.start();
    long start = System.nanoTime();
    Map<String, MetricRows> sections = AgreementMetrics.compute(spark.read().parquet(parquet.toString()), CATEGORIES,
        OPTIONS, "bench");
    double seconds = (System.nanoTime() - start) / 1e9;
    poller.interrupt();
    poller.join();
    live.stop();
    int metricRows = sections.values().stream().mapToInt(m -> m.rows().size()).sum();
    System.out.printf("evaluate rows=%d metric_rows=%d seconds=%.1f driver_heap_baseline_mb=%.0f driver_heap_peak_mb=%.0f"
            + " driver_live_heap_peak_mb=%.0f gcs=%d%n",
        rows, metricRows, seconds, baseline / 1e6, peak.get() / 1e6, live.peakBytes() / 1e6, live.collections());
    return new Timed<>(sections, seconds);
  }

  /** Cores of a local master: local -> 1, local[N] -> N, local[*] -> this machine's. */
  static int cores(String master) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]").matcher(master);
    if (!m.matches()) {
      return master.equals("local") ? 1 : Runtime.getRuntime().availableProcessors();
    }
    return m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(m.group(1));
  }

  private static long folderBytes(Path folder) throws IOException {
    try (Stream<Path> files = Files.walk(folder)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  static void deleteFolder(Path folder) throws IOException {
    if (!Files.exists(folder)) {
      return;
    }
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The largest heap in use right after a garbage collection, over the collections seen between start and stop. */
  private static final class LiveHeap implements NotificationListener {
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong collections = new AtomicLong();

    static LiveHeap start() {
      LiveHeap live = new LiveHeap();
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((NotificationEmitter) gc).addNotificationListener(live, null, null);
      }
      return live;
    }

    void stop() throws ListenerNotFoundException {
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        ((NotificationEmitter) gc).removeNotificationListener(this);
      }
    }

    @Override
    public void handleNotification(Notification notification, Object handback) {
      if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
        return;
      }
      GarbageCollectionNotificationInfo info =
          GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
      long after = 0;
      for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
        if (HEAP_POOLS.stream().anyMatch(pool.getKey()::contains)) {
          after += pool.getValue().getUsed();
        }
      }
      collections.incrementAndGet();
      peak.accumulateAndGet(after, Math::max);
    }

    long peakBytes() {
      return peak.get();
    }

    long collections() {
      return collections.get();
    }
  }

  /** Heap pools of the usual collectors (G1, Parallel, Serial); metaspace and code cache are left out. */
  private static final List<String> HEAP_POOLS = List.of("Eden", "Survivor", "Old Gen", "Tenured");

  static String label(long rows) {
    return rows % 1_000_000 == 0 ? rows / 1_000_000 + "m" : rows % 1000 == 0 ? rows / 1000 + "k" : Long.toString(rows);
  }

  /**
   * One row per item x category: scores with three decimals, a human label drawn so the scores are
   * informative but not perfect, the model label at 0.5, and format / region / language slices.
   */
  static Dataset<Row> generate(SparkSession spark, long rows, List<String> categories) {
    Column category = element_at(org.apache.spark.sql.functions.array(categories.stream().map(c -> lit(c)).toArray(Column[]::new)),
        pmod(col("id"), lit(categories.size())).cast("int").plus(1));
    Column score = round(rand(7).multiply(rand(8)), 3);
    return spark.range(rows)
        .withColumn("category", category)
        .withColumn("model_score", score)
        .withColumn("human_label", rand(9).lt(col("model_score").multiply(0.9).plus(0.02)))
        .withColumn("model_label", col("model_score").geq(0.5))
        .withColumn("format", element_at(org.apache.spark.sql.functions.array(lit("video"), lit("photo"), lit("live"), lit("text")),
            pmod(col("id").divide(10).cast("long"), lit(4)).cast("int").plus(1)))
        .withColumn("region", concat(lit("R"), pmod(col("id").divide(40).cast("long"), lit(12)).cast("string")))
        .withColumn("language", when(pmod(col("id"), lit(7)).equalTo(0), lit("es")).otherwise(lit("en")))
        .withColumn("content_id", col("id").divide(categories.size()).cast("long").cast("string"));
  }
}
