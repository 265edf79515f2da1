package io.ecolens.scorer.openai;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-flight requests of one scoring's tasks that run in this JVM, pooled. Each task brings its
 * share of {@code max-concurrency} ({@link TaskShare}) and may send while the requests in flight of
 * all the pool's tasks are fewer than the sum of their shares: a task whose last requests are out
 * lends its unused share to the others, so the endpoint keeps seeing the whole limit while a task
 * drains (with a fixed latency, a task of 50 requests at 8 in flight otherwise ends with a round
 * of 2). Every send is made under the pool's capacity, which is never more than the shares of the
 * tasks running here, so the sum over all executors stays within {@code max-concurrency} as
 * before.
 *
 * <p>A task joins when its fan-out starts and leaves when it ends, fails or is killed; requests it
 * sent stay counted until they answer. Thread-safe: tasks send from their own threads and
 * responses arrive on the HTTP client's.
 */
final class InFlightPool {
  private static final ConcurrentHashMap<String, InFlightPool> POOLS = new ConcurrentHashMap<>();

  private final String group;
  private int capacity;
  private int members;
  private int inFlight;
  private final Set<Runnable> waiting = new LinkedHashSet<>();

  private InFlightPool(String group) {
    this.group = group;
  }

  /** A group of its own: a fan-out that shares with nothing. */
  static String newGroup() {
    return UUID.randomUUID().toString();
  }

  /** Joins the pool of {@code group} in this JVM, bringing {@code share} requests in flight. */
  static InFlightPool join(String group, int share) {
    if (share < 1) {
      throw new IllegalArgumentException("share must be at least 1, cannot be: " + share);
    }
    return POOLS.compute(group, (g, pool) -> {
      InFlightPool p = pool == null ? new InFlightPool(g) : pool;
      synchronized (p) {
        p.capacity += share;
        p.members++;
      }
      return p;
    });
  }

  /** Takes its {@code share} out again; the pool goes once no task is in it and nothing is in flight. */
  void leave(int share) {
    synchronized (this) {
      capacity -= share;
      members--;
    }
    removeIfIdle();
  }

  /**
   * Counts one more request in flight when the pool has room; otherwise remembers {@code wake},
   * run once a request of any of the pool's tasks answers.
   */
  synchronized boolean tryAcquire(Runnable wake) {
    if (inFlight < capacity) {
      inFlight++;
      return true;
    }
    waiting.add(wake);
    return false;
  }

  /** A request answered (or failed): one less in flight, and the tasks waiting for room are woken. */
  void release() {
    List<Runnable> wake;
    boolean idle;
    synchronized (this) {
      inFlight--;
      wake = new ArrayList<>(waiting);
      waiting.clear();
      idle = members == 0 && inFlight == 0;
    }
    wake.forEach(Runnable::run);
    if (idle) {
      removeIfIdle();
    }
  }

  /** Drops the pool from the registry when no task is in it and nothing is in flight (atomically with joins). */
  private void removeIfIdle() {
    POOLS.computeIfPresent(group, (g, pool) -> {
      synchronized (pool) {
        return pool == this && members == 0 && inFlight == 0 ? null : pool;
      }
    });
  }

  /** The sum of the shares of the tasks in the pool, for tests. */
  synchronized int capacity() {
    return capacity;
  }

  /** Pools alive in this JVM, for tests. */
  static int live() {
    return POOLS.size();
  }
}
