package io.ecolens.run;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prints a progress line for a long stage every few seconds while Spark works: rows done (from an
 * accumulator that tasks add to), rate, elapsed time and ETA. Close it when the stage ends.
 */
public final class Progress implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

  private final String stage;
  private final String unit;
  private final long total;
  private final LongAccumulator done;
  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService timer;
  private final SparkSession spark;

  private Progress(SparkSession spark, String stage, String unit, long total, Duration every) {
    this.spark = spark;
    this.stage = stage;
    this.unit = unit;
    this.total = total;
    this.done = spark.sparkContext().longAccumulator(stage + " " + unit + " done");
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ecolens-progress-" + stage);
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(this::report, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Starts reporting; {@code total} is the expected count (0 when unknown). */
  public static Progress start(SparkSession spark, String stage, String unit, long total) {
    return new Progress(spark, stage, unit, total, Duration.ofSeconds(5));
  }

  /**
   * Reports Spark tasks done out of those of the running stages, for stages that cannot count
   * rows as they go (reads, joins, writes).
   */
  public static Progress tasks(SparkSession spark, String stage) {
    return new Progress(spark, stage, null, 0, Duration.ofSeconds(10));
  }

  /** The accumulator tasks add finished rows to. Serializable; safe to capture in closures. */
  public LongAccumulator counter() {
    return done;
  }

  /** One progress line, e.g. "score: 1,200 / 2,000 items (60%), 310 items/s, elapsed 0:04, ETA 0:03". */
  static String line(String stage, String unit, long done, long total, double seconds) {
    double rate = seconds > 0 ? done / seconds : 0;
    StringBuilder sb = new StringBuilder(stage).append(": ").append(String.format("%,d", done));
    if (total > 0) {
      sb.append(String.format(" / %,d %s (%.0f%%)", total, unit, 100.0 * done / total));
    } else {
      sb.append(' ').append(unit);
    }
    sb.append(String.format(", %,.0f %s/s, elapsed %s", rate, unit, clock(seconds)));
    if (total > 0 && rate > 0 && done < total) {
      sb.append(", ETA ").append(clock((total - done) / rate));
    }
    return sb.toString();
  }

  static String clock(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
        : String.format("%d:%02d", s / 60, s % 60);
  }

  private void report() {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    if (unit != null) {
      LOG.info(line(stage, unit, done.value(), total, seconds));
      return;
    }
    long completed = 0;
    long all = 0;
    var tracker = spark.sparkContext().statusTracker();
    for (int id : tracker.getActiveStageIds()) {
      var info = tracker.getStageInfo(id);
      if (info.nonEmpty()) {
        completed += info.get().numCompletedTasks();
        all += info.get().numTasks();
      }
    }
    if (all > 0) {
      LOG.info(String.format("%s: %,d / %,d tasks of the running Spark stages, elapsed %s",
          stage, completed, all, clock(seconds)));
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
