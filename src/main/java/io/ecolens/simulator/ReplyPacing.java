package io.ecolens.simulator;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When the simulator's answers go out: each after the fixed latency, at most {@code maxConcurrency}
 * waiting for theirs at once (the others queue for a slot); and how many requests a minute are let
 * through before a 429 with Retry-After.
 */
final class ReplyPacing {
  private final long latencyMs;
  private final int maxConcurrency;
  private final int requestsPerMinute;
  private final AtomicLong queuedForSlot;
  private final ArrayDeque<Long> recent = new ArrayDeque<>();
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int active;

  ReplyPacing(LlmSimulator.Settings settings, AtomicLong queuedForSlot) {
    this.latencyMs = settings.latencyMs();
    this.maxConcurrency = settings.maxConcurrency();
    this.requestsPerMinute = settings.requestsPerMinute();
    this.queuedForSlot = queuedForSlot;
  }

  /**
   * Runs {@code reply} once the latency has passed since the request {@code arrived} (or since it
   * got one of the capped slots, when it had to queue for one), holding the slot until then.
   */
  void later(SimHttpServer.Exchange ex, long arrived, Runnable reply) {
    synchronized (waiting) {
      if (maxConcurrency > 0 && active >= maxConcurrency) {
        queuedForSlot.incrementAndGet();
        waiting.add(() -> answerAfterLatency(ex, System.nanoTime(), reply));
        return;
      }
      active++;
    }
    answerAfterLatency(ex, arrived, reply);
  }

  private void answerAfterLatency(SimHttpServer.Exchange ex, long from, Runnable reply) {
    long left = TimeUnit.MILLISECONDS.toNanos(latencyMs) - (System.nanoTime() - from);
    ex.schedule(() -> {
      release(); // first: the client may send its next request as soon as it has this answer
      reply.run();
    }, left);
  }

  private void release() {
    Runnable next;
    synchronized (waiting) {
      next = waiting.poll();
      if (next == null) {
        active--;
      }
    }
    if (next != null) {
      next.run();
    }
  }

  /** null when the request may go on; else the seconds to wait (Retry-After). */
  Integer takeRpmSlot() {
    if (requestsPerMinute <= 0) {
      return null;
    }
    long now = System.nanoTime();
    long minute = TimeUnit.MINUTES.toNanos(1);
    synchronized (recent) {
      while (!recent.isEmpty() && now - recent.peekFirst() >= minute) {
        recent.pollFirst();
      }
      if (recent.size() >= requestsPerMinute) {
        return (int) Math.max(1, Math.ceil((recent.peekFirst() + minute - now) / 1e9));
      }
      recent.addLast(now);
      return null;
    }
  }
}
