package io.ecolens.simulator;

import io.ecolens.scorer.ScoringItem;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The simulator's counters since start or the last reset, read as {@link LlmSimulator.Stats}. */
final class SimCounters {
  private final Set<Long> seen = ConcurrentHashMap.newKeySet();
  final AtomicLong requests = new AtomicLong();
  final AtomicLong items = new AtomicLong();
  final AtomicLong ok = new AtomicLong();
  final AtomicLong rateLimited = new AtomicLong();
  final AtomicLong injected429 = new AtomicLong();
  final AtomicLong injected500 = new AtomicLong();
  final AtomicLong timeouts = new AtomicLong();
  final AtomicLong malformed = new AtomicLong();
  final AtomicLong rejectedOverCap = new AtomicLong();
  final AtomicLong unauthorized = new AtomicLong();
  final AtomicLong inFlight = new AtomicLong();
  final AtomicLong maxInFlight = new AtomicLong();
  final AtomicLong promptTokens = new AtomicLong();
  final AtomicLong completionTokens = new AtomicLong();
  final AtomicLong bearerAuth = new AtomicLong();
  final AtomicLong apiKeyHeaderAuth = new AtomicLong();
  final AtomicLong withApiVersion = new AtomicLong();
  final AtomicLong queuedForSlot = new AtomicLong();
  final AtomicLong filesUploaded = new AtomicLong();
  final AtomicLong batchesCreated = new AtomicLong();
  final AtomicLong batchLines = new AtomicLong();
  final AtomicLong batchItems = new AtomicLong();

  /** Counts a chat request as in flight, and the most in flight at once. */
  void entered() {
    long open = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(open, Math::max);
  }

  /** Counts a batch's items, and its distinct texts among all items seen. */
  void itemsSeen(List<ScoringItem> batch) {
    items.addAndGet(batch.size());
    for (ScoringItem item : batch) {
      seen.add(fingerprint(item.text()));
    }
  }

  LlmSimulator.Stats stats() {
    return new LlmSimulator.Stats(requests.get(), items.get(), seen.size(), ok.get(), rateLimited.get(),
        injected429.get(), injected500.get(), timeouts.get(), malformed.get(), rejectedOverCap.get(),
        unauthorized.get(), maxInFlight.get(), inFlight.get(), promptTokens.get(), completionTokens.get(),
        bearerAuth.get(), apiKeyHeaderAuth.get(), withApiVersion.get(), queuedForSlot.get(), filesUploaded.get(),
        batchesCreated.get(), batchLines.get(), batchItems.get());
  }

  /** Zeroes the counters (the set of items seen included); requests still in flight stay counted. */
  void reset() {
    for (AtomicLong a : List.of(requests, items, ok, rateLimited, injected429, injected500, timeouts, malformed,
        rejectedOverCap, unauthorized, maxInFlight, promptTokens, completionTokens, bearerAuth, apiKeyHeaderAuth,
        withApiVersion, queuedForSlot, filesUploaded, batchesCreated, batchLines, batchItems)) {
      a.set(0);
    }
    maxInFlight.set(inFlight.get());
    seen.clear();
  }

  /** A 64-bit FNV-1a hash of the text: enough to count distinct items, far cheaper than SHA-256. */
  static long fingerprint(String text) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < text.length(); i++) {
      h = (h ^ text.charAt(i)) * 0x100000001b3L;
    }
    return h;
  }
}
