package io.ecolens.score;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;

/**
 * Runs the Spark jobs that score and commit the pieces of a scoring, up to {@code window} at once,
 * each from a driver thread of its own and each in one Delta commit. With a window of 2 the next
 * piece's tasks take each task slot the moment the previous piece's task in it ends, so requests
 * stay in flight while that piece's last tasks drain and while it commits; with a window of 1 each
 * piece runs on the calling thread, one after another. A piece that fails, or a caller that gives
 * up, cancels the pieces still running (their jobs are tagged) and waits for them to end, so that
 * nothing commits after the scoring has stopped.
 *
 * @param <R> what a piece's job returns once committed
 */
final class CommitWindow<R> implements AutoCloseable {
  private final SparkContext sc;
  private final int window;
  private final String tagPrefix = "ecolens-score-piece-" + UUID.randomUUID() + "-";
  private final ExecutorService threads;
  private final CompletionService<R> finished;
  private final Map<Future<R>, String> running = new HashMap<>();
  private volatile boolean stopping;

  CommitWindow(SparkContext sc, int window) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be at least 1, cannot be: " + window);
    }
    this.sc = sc;
    this.window = window;
    // created lazily by the pool, after the stage set its job group: the threads inherit it
    this.threads = window == 1 ? null : Executors.newFixedThreadPool(window, r -> {
      Thread t = new Thread(r, "ecolens-score-commit");
      t.setDaemon(true);
      return t;
    });
    this.finished = threads == null ? null : new ExecutorCompletionService<>(threads);
  }

  /**
   * Starts piece {@code piece}'s job, after waiting while {@code window} pieces are running; returns
   * what the pieces that finished meanwhile returned (with a window of 1: this piece's own).
   */
  List<R> submit(long piece, Supplier<R> job) {
    if (threads == null) {
      return List.of(job.get());
    }
    List<R> done = new ArrayList<>();
    while (running.size() >= window) {
      done.add(next());
    }
    String tag = tagPrefix + piece;
    running.put(finished.submit(() -> {
      sc.addJobTag(tag);
      try {
        if (stopping) {
          throw new java.util.concurrent.CancellationException("scoring stopped before piece " + piece + " started");
        }
        return job.get();
      } finally {
        sc.removeJobTag(tag);
      }
    }), tag);
    return done;
  }

  /** Waits for every piece still running; returns what they returned, in the order they finished. */
  List<R> drain() {
    List<R> done = new ArrayList<>();
    while (!running.isEmpty()) {
      done.add(next());
    }
    return done;
  }

  /** The next piece to finish; when it failed, the others are cancelled first and its failure rethrown. */
  private R next() {
    Future<R> f;
    try {
      f = finished.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancelRunning();
      throw new IllegalStateException("interrupted while scoring", e);
    }
    running.remove(f);
    try {
      return f.get();
    } catch (ExecutionException e) {
      cancelRunning();
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancelRunning();
      throw new IllegalStateException("interrupted while scoring", e);
    }
  }

  /** Cancels the jobs of the pieces still running and waits until each has ended, committed or not. */
  void cancelRunning() {
    stopping = true;
    for (String tag : running.values()) {
      sc.cancelJobsWithTag(tag);
    }
    for (Future<R> f : running.keySet()) {
      try {
        f.get();
      } catch (ExecutionException | RuntimeException cancelled) {
        // the piece's job was cancelled, or failed on its own: its items were not committed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    running.clear();
  }

  /** Cancels what is still running and stops the threads. */
  @Override
  public void close() {
    if (threads != null) {
      cancelRunning();
      threads.shutdownNow();
    }
  }
}
