package io.ecolens.scorer.openai;

/**
 * One task's gate for new requests: an AIMD concurrency window (halved on a 429, grown by about one
 * request per round trip on success, never above the ceiling it is given), a pause honouring Retry-After,
 * and token buckets for requests and tokens per minute. Used by one thread; not thread-safe.
 */
final class AdaptiveLimit {
  private static final long NANOS_PER_MINUTE = 60_000_000_000L;

  private final int ceiling;
  private double window;
  private long pausedUntil;
  private long lastDecrease = Long.MIN_VALUE;
  private final Bucket requests;
  private final Bucket tokens;

  AdaptiveLimit(TaskShare share, long now) {
    this.ceiling = share.concurrency();
    this.window = ceiling;
    this.requests = share.requestsPerMinute() > 0 ? new Bucket(share.requestsPerMinute(), now) : null;
    this.tokens = share.tokensPerMinute() > 0 ? new Bucket(share.tokensPerMinute(), now) : null;
  }

  /** Requests that may be in flight now. */
  int window() {
    return (int) Math.floor(window);
  }

  /** Whether one more request of about {@code estTokens} tokens may go out now. */
  boolean canSend(long now, int inFlight, long estTokens) {
    return inFlight < window() && now >= pausedUntil
        && (requests == null || requests.available(now) >= 1)
        && (tokens == null || tokens.available(now) >= Math.min(estTokens, tokens.capacity));
  }

  void onSent(long now, long estTokens) {
    if (requests != null) {
      requests.take(now, 1);
    }
    if (tokens != null) {
      tokens.take(now, estTokens);
    }
  }

  /** Additive increase: about +1 per window of successful responses. */
  void onSuccess() {
    window = Math.min(ceiling, window + 1.0 / Math.max(1.0, window));
  }

  /**
   * Multiplicative decrease from what was in flight ({@code inFlight}, when below the window), at
   * most once per {@code roundTrip} so that one burst of 429s counts once; and no new request
   * before {@code retryAfterNanos} from now.
   */
  void onThrottle(long now, long retryAfterNanos, long roundTrip, int inFlight) {
    if (lastDecrease == Long.MIN_VALUE || now - lastDecrease >= roundTrip) {
      window = Math.max(1.0, Math.min(window, Math.max(1, inFlight)) / 2);
      lastDecrease = now;
    }
    pausedUntil = Math.max(pausedUntil, now + retryAfterNanos);
  }

  /** Nanos until the gate may open for reasons of time (pause or buckets); 0 when not time-bound. */
  long nanosUntilReady(long now, long estTokens) {
    long wait = Math.max(0, pausedUntil - now);
    if (requests != null) {
      wait = Math.max(wait, requests.nanosUntil(now, 1));
    }
    if (tokens != null) {
      wait = Math.max(wait, tokens.nanosUntil(now, Math.min(estTokens, tokens.capacity)));
    }
    return wait;
  }

  /** A token bucket holding at most one second's worth (and at least one unit). */
  private static final class Bucket {
    final double perNano;
    final double capacity;
    double level;
    long updated;

    Bucket(double perMinute, long now) {
      this.perNano = perMinute / NANOS_PER_MINUTE;
      this.capacity = Math.max(1.0, perMinute / 60.0);
      this.level = capacity;
      this.updated = now;
    }

    double available(long now) {
      level = Math.min(capacity, level + (now - updated) * perNano);
      updated = now;
      return level;
    }

    void take(long now, double amount) {
      available(now);
      level -= amount;
    }

    long nanosUntil(long now, double amount) {
      double missing = amount - available(now);
      return missing <= 0 ? 0 : (long) Math.ceil(missing / perNano);
    }
  }
}
