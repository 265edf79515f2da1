package io.ecolens.scorer.openai;

import io.ecolens.config.OpenAiSettings;
import io.ecolens.Errors;
import io.ecolens.policy.Policy;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.Scored;
import io.ecolens.scorer.ScoringFailures;
import io.ecolens.scorer.ScoringItem;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Scores one task's items against an OpenAI-compatible endpoint with many requests in flight at
 * once, lazily: items are read from the input as request slots open, and each scored item is
 * handed out as soon as its answer is valid. One thread drives it; the threads that receive the
 * responses parse the answers and put them on a queue, so that the driving thread, which has every
 * request of the task to refill, does as little per response as it can.
 *
 * <p>In flight: the task's share of {@code max-concurrency}, pooled with the scoring's other tasks in
 * this JVM ({@link InFlightPool}): a draining task lends the rest of its share instead of idling.
 *
 * <p>Per request: up to {@code items-per-request} items; a 429 halves the window (AIMD) and pauses
 * for Retry-After; 429, 5xx, timeouts and connection errors are retried with exponential backoff
 * and jitter up to {@code max-attempts}; items missing or malformed in an answer are retried alone.
 * An item that runs out of attempts becomes error rows with the reason. Failures that no retry can
 * fix (401/403, unknown model) throw, stopping the job, and so does a task in which nearly every
 * item failed (90% of at least 50): the score stage then stops with the most common reason.
 */
public final class FanOut implements Iterator<Scored>, AutoCloseable {
  static final long BACKOFF_BASE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  static final long BACKOFF_MAX_NANOS = TimeUnit.SECONDS.toNanos(20);
  private static final int SYSTEMIC_MIN_ITEMS = 50;
  private static final double SYSTEMIC_ERROR_SHARE = 0.9;

  private static final class Work {
    final ScoringItem item;
    int attempts;
    long inputTokens;
    long outputTokens;
    double latencyMs;

    Work(ScoringItem item) {
      this.item = item;
    }
  }

  private record Pending(List<Work> works, long due, long seq) {}

  private record Staged(List<Work> works, byte[] body, long estTokens) {}

  /** A finished request; a 200's body already read into {@code answer} by the thread that received it. */
  private record Completion(List<Work> works, long sentAt, HttpResponse<String> response, Throwable failure,
      Parsed answer) {}

  private record Parsed(ChatCompletion completion, AnswerParser.Answer answer) {}

  /** Put on the queue when the pool has room again after refusing this task a request. */
  private static final Completion ROOM = new Completion(List.of(), 0, null, null, null);

  private final Iterator<ScoringItem> items;
  private final OpenAiClient client;
  private final PromptBuilder prompt;
  private final OpenAiSettings settings;
  private final Policy policy;
  private final List<String> categories;
  private final LongConsumer itemsDone;
  private final AdaptiveLimit limit;
  private final TaskShare share;
  private final InFlightPool pool;
  private final Runnable wakeOnRoom;
  private boolean waitingForRoom;
  private boolean left;
  private final LinkedBlockingQueue<Completion> completions = new LinkedBlockingQueue<>();
  private final PriorityQueue<Pending> retries = new PriorityQueue<>(
      (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private final ArrayDeque<Scored> ready = new ArrayDeque<>();
  private final Random jitter = new Random();
  private Staged staged;
  private int inFlight;
  private long seq;
  private long roundTripNanos = TimeUnit.MILLISECONDS.toNanos(200);
  private long requests;
  private long okItems;
  private long errorItems;
  private final Map<String, Long> failedByReason = new HashMap<>();

  FanOut(Iterator<ScoringItem> items, OpenAiClient client, PromptBuilder prompt, OpenAiSettings settings,
      Policy policy, TaskShare share, String group, LongConsumer itemsDone) {
    this.items = items;
    this.client = client;
    this.prompt = prompt;
    this.settings = settings;
    this.policy = policy;
    this.categories = policy.categories().stream().map(Policy.Category::id).toList();
    this.itemsDone = itemsDone;
    // the task's own window may grow past its share, up to the global limit, when the pool has room
    this.limit = new AdaptiveLimit(new TaskShare(Math.max(share.concurrency(), settings.maxConcurrency()),
        share.requestsPerMinute(), share.tokensPerMinute()), System.nanoTime());
    this.share = share;
    this.pool = InFlightPool.join(group, share.concurrency());
    this.wakeOnRoom = () -> completions.add(ROOM);
  }

  /** Requests sent so far (retries included). */
  public long requests() {
    return requests;
  }

  @Override
  public boolean hasNext() {
    try {
      while (ready.isEmpty() && (staged != null || items.hasNext() || inFlight > 0 || !retries.isEmpty())) {
        step();
      }
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
    if (ready.isEmpty()) {
      close();
    }
    return !ready.isEmpty();
  }

  /** Leaves the in-flight pool, once: at the end of the items, on a failure, or when Spark ends the task. */
  @Override
  public void close() {
    if (!left) {
      left = true;
      pool.leave(share.concurrency());
    }
  }

  @Override
  public Scored next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.poll();
  }

  private void step() {
    long now = System.nanoTime();
    sendWhatFits(now);
    long wait = TimeUnit.MILLISECONDS.toNanos(100);
    if (staged != null && inFlight < limit.window() && !waitingForRoom) {
      wait = Math.min(wait, Math.max(TimeUnit.MILLISECONDS.toNanos(1), limit.nanosUntilReady(now, staged.estTokens)));
    }
    if (!retries.isEmpty()) {
      wait = Math.min(wait, Math.max(0, retries.peek().due - now));
    }
    if (inFlight == 0 && staged == null && retries.isEmpty()) {
      return;
    }
    try {
      Completion c = wait <= 0 ? completions.poll() : completions.poll(wait, TimeUnit.NANOSECONDS);
      while (c != null) {
        handle(c);
        c = completions.poll();
      }
      sendWhatFits(System.nanoTime()); // refill the freed slots before handing out the scored items
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("scoring interrupted", e);
    }
  }

  private void sendWhatFits(long now) {
    while (true) {
      if (staged == null) {
        staged = stage(now);
      }
      if (staged == null || !limit.canSend(now, inFlight, staged.estTokens)) {
        return;
      }
      waitingForRoom = !pool.tryAcquire(wakeOnRoom); // woken by ROOM when another request answers
      if (waitingForRoom) {
        return;
      }
      send(staged, now);
      staged = null;
    }
  }

  /** The next request to send: a retry that is due, else up to items-per-request new items. */
  private Staged stage(long now) {
    if (!retries.isEmpty() && retries.peek().due <= now) {
      return staged(retries.poll().works);
    }
    if (!items.hasNext()) {
      return null;
    }
    List<Work> works = new ArrayList<>(settings.itemsPerRequest());
    while (works.size() < settings.itemsPerRequest() && items.hasNext()) {
      works.add(new Work(items.next()));
    }
    return staged(works);
  }

  private Staged staged(List<Work> works) {
    List<ScoringItem> batch = works.stream().map(w -> w.item).toList();
    byte[] body = prompt.requestBytes(settings, batch);
    long est = (body.length + 3) / 4 + prompt.estimateOutputTokens(batch.size());
    return new Staged(works, body, est);
  }

  private void send(Staged s, long now) {
    long sentAt = System.nanoTime(); // staging the requests before it in this burst took time
    inFlight++;
    requests++;
    limit.onSent(now, s.estTokens);
    for (Work w : s.works) {
      w.attempts++;
    }
    try {
      client.complete(s.body).whenComplete((response, failure) -> {
        pool.release();
        completions.add(completed(s.works, sentAt, response, failure));
      });
    } catch (RuntimeException e) {
      pool.release();
      throw Errors.stageFailed("score", "cannot send a request to " + settings.endpoint() + ": "
          + client.scrub(String.valueOf(e.getMessage())) + ". Check score.openai.endpoint.", e);
    }
  }

  private void handle(Completion c) {
    if (c == ROOM) {
      return;
    }
    inFlight--;
    long now = System.nanoTime();
    long rtt = now - c.sentAt;
    roundTripNanos = (roundTripNanos * 7 + rtt) / 8;
    double latencyMs = rtt / 1e6;
    for (Work w : c.works) {
      w.latencyMs = latencyMs;
    }
    if (c.failure != null) {
      Throwable cause = c.failure instanceof CompletionException && c.failure.getCause() != null
          ? c.failure.getCause() : c.failure;
      String reason = cause instanceof HttpTimeoutException
          ? "timeout after " + settings.timeoutMs() + " ms"
          : (c.response == null ? "connection error: " : "unreadable answer: ") + cause.getClass().getSimpleName()
              + " " + client.scrub(String.valueOf(cause.getMessage()));
      retryOrFail(c.works, reason, backoff(c.works.get(0).attempts), now);
      return;
    }
    HttpResponse<String> r = c.response;
    int status = r.statusCode();
    if (status == 200) {
      accept(c.works, c.answer, now);
    } else if (status == 429) {
      long retryAfter = OpenAiClient.retryAfterNanos(r);
      limit.onThrottle(now, retryAfter, roundTripNanos, inFlight + 1); // as it was when this answer came
      retryOrFail(c.works, "HTTP 429 (rate limited)", Math.max(retryAfter, backoff(c.works.get(0).attempts)), now);
    } else if (status == 401 || status == 403) {
      throw Errors.stageFailed("score", "the endpoint " + settings.endpoint() + " refused the credentials (HTTP "
          + status + ": " + client.snippet(r.body()) + "). Set the API key in " + OpenAiClient.keySources(settings)
          + " on the driver and every executor.", null);
    } else if (OpenAiClient.isUnknownModel(status, r.body())) {
      throw Errors.stageFailed("score", "the endpoint " + settings.endpoint() + " does not serve model '"
          + settings.model() + "' (HTTP " + status + ": " + client.snippet(r.body()) + "). Fix score.openai.model.", null);
    } else if (status == 408 || status == 409 || status >= 500) {
      retryOrFail(c.works, "HTTP " + status + ": " + client.snippet(r.body()), backoff(c.works.get(0).attempts), now);
    } else if (c.works.size() > 1) {
      // e.g. 400 context too long: try each item alone before giving up on any of them
      for (Work w : c.works) {
        retries.add(new Pending(List.of(w), now, seq++));
      }
    } else {
      fail(c.works.get(0), "HTTP " + status + ": " + client.snippet(r.body()));
    }
  }

  /** Runs on the thread that received the response: parses a 200's answer, and never throws. */
  private Completion completed(List<Work> works, long sentAt, HttpResponse<String> response, Throwable failure) {
    if (failure != null || response.statusCode() != 200) {
      return new Completion(works, sentAt, response, failure, null);
    }
    try {
      ChatCompletion completion = ChatCompletion.parse(response.body());
      Parsed parsed = new Parsed(completion, AnswerParser.parse(completion.content(), works.size(), categories));
      return new Completion(works, sentAt, response, null, parsed);
    } catch (RuntimeException unreadable) {
      return new Completion(works, sentAt, response, unreadable, null);
    }
  }

  /** A 200 answer: bill its tokens, keep the valid items, retry the others alone. */
  private void accept(List<Work> works, Parsed parsed, long now) {
    long in = parsed.completion().promptTokens();
    long out = parsed.completion().completionTokens();
    for (int i = 0; i < works.size(); i++) {
      works.get(i).inputTokens += share(in, works.size(), i);
      works.get(i).outputTokens += share(out, works.size(), i);
    }
    limit.onSuccess();
    AnswerParser.Answer answer = parsed.answer();
    for (int i = 0; i < works.size(); i++) {
      Work w = works.get(i);
      String id = String.valueOf(i + 1);
      List<AnswerParser.Verdict> verdicts = answer.valid().get(id);
      if (verdicts != null) {
        succeed(w, verdicts);
      } else {
        String reason = answer.invalid().get(id);
        if (w.attempts >= settings.maxAttempts()) {
          fail(w, reason + " (after " + w.attempts + " attempts)");
        } else {
          retries.add(new Pending(List.of(w), now, seq++));
        }
      }
    }
  }

  private void retryOrFail(List<Work> works, String reason, long delay, long now) {
    List<Work> again = new ArrayList<>(works.size());
    for (Work w : works) {
      if (w.attempts >= settings.maxAttempts()) {
        fail(w, reason + " (after " + w.attempts + " attempts)");
      } else {
        again.add(w);
      }
    }
    if (!again.isEmpty()) {
      retries.add(new Pending(again, now + delay, seq++));
    }
  }

  private void succeed(Work w, List<AnswerParser.Verdict> verdicts) {
    okItems++;
    finish(w, ItemRows.ok(w.item, verdicts, policy, w.inputTokens, w.outputTokens, w.latencyMs, w.attempts,
        settings::cost));
  }

  private void fail(Work w, String reason) {
    List<CategoryScore> scores = ItemRows.failed(w.item, categories, reason, w.inputTokens, w.outputTokens,
        w.latencyMs, w.attempts, settings::cost);
    errorItems++;
    failedByReason.merge(ScoringFailures.reasonOf(reason), 1L, Long::sum);
    finish(w, scores);
    long done = okItems + errorItems;
    if (done >= SYSTEMIC_MIN_ITEMS && errorItems >= SYSTEMIC_ERROR_SHARE * done) {
      // a task's own early stop, before its chunk commits: the chunk's items are sent again by the next run
      ScoringFailures failures = ScoringFailures.of(done, failedByReason);
      throw Errors.scoringFailed(errorItems + " of the " + done + " items finished so far failed in one scoring "
          + "task against " + settings.endpoint() + " (model " + settings.model() + "); most common error ("
          + failures.topReasonItems() + " items): \"" + failures.topReason() + "\". Likely fix: " + failures.likelyFix() + ". Stopped instead of "
          + "writing error rows for every item; after the fix run score again with the same --run-id: committed "
          + "items are not sent again.");
    }
  }

  private void finish(Work w, List<CategoryScore> scores) {
    ready.add(new Scored(w.item, scores));
    itemsDone.accept(1);
  }

  /** Exponential backoff with jitter: a random time in [d/2, d], d = base * 2^(attempt-1), capped. */
  long backoff(int attempt) {
    long d = BACKOFF_BASE_NANOS << Math.min(20, Math.max(0, attempt - 1));
    d = Math.min(BACKOFF_MAX_NANOS, d);
    return d / 2 + (long) (jitter.nextDouble() * (d / 2));
  }

  /** Part {@code index} of {@code total} split into {@code parts} parts that add up to it. */
  static long share(long total, int parts, int index) {
    return ItemRows.share(total, parts, index);
  }
}
