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
import java.util.ArrayList;
import java.util.List;
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
 * human labels: for each row count given, the wall time and two heap figures of the JVM that runs
 * the driver: the peak used heap (a thread polls the MemoryMXBean every 20 ms; it includes garbage
 * not yet collected, so it mostly shows how far the collector let the heap fill) and the peak live
 * heap (the heap in use right after each garbage collection, from the collectors' notifications),
 * which is what would grow if rows were gathered on the driver. The heap is collected before each
 * size so the figures compare. In {@code local[N]} the executors' tasks share this JVM, so both
 * figures include their aggregation buffers. Usage: {@code EvaluateBench <rows> [<rows> ...]};
 * prints {@code RESULT evaluate_<n>_seconds} per size, the largest last.
 */
public final class EvaluateBench {
  private EvaluateBench() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSession.builder().master(System.getProperty("bench.master", "local[2]"))
        .appName("ecolens-bench-evaluate")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", System.getProperty("bench.partitions", "8"))
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    List<String> categories = List.of("hate_speech", "harassment", "violence", "self_harm", "sexual",
        "spam_scam", "misinformation", "drugs", "weapons", "minor_safety");
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    List<String> results = new ArrayList<>();
    for (String arg : args) {
      long rows = Long.parseLong(arg.replace("_", ""));
      Dataset<Row> evaluations = generate(spark, rows, categories);
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
      Map<String, MetricRows> sections = AgreementMetrics.compute(evaluations, categories,
          new AgreementMetrics.Options(List.of("format", "region", "language"), 30, 20, 10), "bench");
      double seconds = (System.nanoTime() - start) / 1e9;
      poller.interrupt();
      poller.join();
      live.stop();
      int metricRows = sections.values().stream().mapToInt(m -> m.rows().size()).sum();
      System.out.printf("evaluate rows=%d metric_rows=%d seconds=%.1f driver_heap_baseline_mb=%.0f driver_heap_peak_mb=%.0f"
              + " driver_live_heap_peak_mb=%.0f gcs=%d%n",
          rows, metricRows, seconds, baseline / 1e6, peak.get() / 1e6, live.peakBytes() / 1e6, live.collections());
      results.add(String.format("RESULT evaluate_%s_seconds %.1f", label(rows), seconds));
    }
    results.forEach(System.out::println);
    spark.stop();
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

  private static String label(long rows) {
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
