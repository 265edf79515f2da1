package io.ecolens.simulator;

import io.ecolens.policy.Policy;
import io.ecolens.scorer.ScoringItem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible chat-completions server on loopback, for tests and benchmarks: fixed
 * latency (from the request's arrival to its answer, queueing, parsing and scoring included, as an
 * LLM server's response time is), a concurrency cap (extra requests queue or get 429), a
 * requests-per-minute limit with Retry-After, injected 429 / 500 / timeouts / malformed answers at
 * given rates, {@code /v1/models}, and {@code /stats}. Answers are deterministic: the policy's
 * keyword/regex rules score each item, so an evaluation against the simulator measures the rules.
 * It reads ecolens's item array; any other prompt is scored as one item holding the whole user
 * message.
 *
 * <p>It also serves OpenAI's Files and Batch APIs ({@code /v1/files}, {@code /v1/batches}), whose
 * lines are answered as the online endpoint answers (see {@link BatchSettings}).
 *
 * <p>Its parts: {@link ChatRequest} reads a request, {@link ReplyPacing} decides when the answer
 * goes out, {@link SimCompletions} writes it (online and in batches), {@link SimCounters} counts
 * what happened, {@link SimFiles} and {@link SimBatches} serve the Files and Batch APIs.
 */
public final class LlmSimulator implements AutoCloseable {
  /**
   * What a chat request that gets through is answered with: {@code RULES}, the policy's rules
   * applied to each item (the faults' rates apply); {@code UNUSABLE}, a well-formed chat completion
   * whose content is prose instead of the items' verdicts, for every request: a model that does not
   * follow the answer schema, so that every item fails.
   */
  public enum Answers { RULES, UNUSABLE }

  /** How the simulator behaves. Rates are shares of chat requests in 0..1; {@code batches} drives the Batch API. */
  public record Settings(int port, String model, long latencyMs, int maxConcurrency, boolean rejectOverCap,
      int requestsPerMinute, double rate429, double rate500, double rateTimeout, double rateMalformed,
      long hangMs, int retryAfterSeconds, String apiKey, long seed, Answers answers, BatchSettings batches) {
    public Settings {
      answers = answers == null ? Answers.RULES : answers;
      batches = batches == null ? BatchSettings.defaults() : batches;
    }

    /** Batches as {@link BatchSettings#defaults()} says. */
    public Settings(int port, String model, long latencyMs, int maxConcurrency, boolean rejectOverCap,
        int requestsPerMinute, double rate429, double rate500, double rateTimeout, double rateMalformed,
        long hangMs, int retryAfterSeconds, String apiKey, long seed, Answers answers) {
      this(port, model, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, rate429, rate500, rateTimeout,
          rateMalformed, hangMs, retryAfterSeconds, apiKey, seed, answers, null);
    }

    /** Answers by the policy's rules. */
    public Settings(int port, String model, long latencyMs, int maxConcurrency, boolean rejectOverCap,
        int requestsPerMinute, double rate429, double rate500, double rateTimeout, double rateMalformed,
        long hangMs, int retryAfterSeconds, String apiKey, long seed) {
      this(port, model, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, rate429, rate500, rateTimeout,
          rateMalformed, hangMs, retryAfterSeconds, apiKey, seed, Answers.RULES, null);
    }

    /** Port 0 (any free port), model sim-model, 200 ms latency, no limits, no faults. */
    public static Settings defaults() {
      return new Settings(0, "sim-model", 200, 0, false, 0, 0, 0, 0, 0, 30_000, 1, null, 42);
    }

    public Settings withLatency(long ms) {
      return new Settings(port, model, ms, maxConcurrency, rejectOverCap, requestsPerMinute, rate429, rate500,
          rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed, answers, batches);
    }

    public Settings withCap(int cap, boolean reject) {
      return new Settings(port, model, latencyMs, cap, reject, requestsPerMinute, rate429, rate500,
          rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed, answers, batches);
    }

    public Settings withFaults(double r429, double r500, double timeout, double malformed, long hang,
        int retryAfter) {
      return new Settings(port, model, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, r429, r500,
          timeout, malformed, hang, retryAfter, apiKey, seed, answers, batches);
    }

    public Settings withApiKey(String key) {
      return new Settings(port, model, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, rate429,
          rate500, rateTimeout, rateMalformed, hangMs, retryAfterSeconds, key, seed, answers, batches);
    }

    public Settings withPort(int p) {
      return new Settings(p, model, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, rate429,
          rate500, rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed, answers, batches);
    }

    public Settings withModel(String name) {
      return new Settings(port, name, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, rate429,
          rate500, rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed, answers, batches);
    }

    /** The same simulator answering as {@code a} says. */
    public Settings withAnswers(Answers a) {
      return new Settings(port, model, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, rate429,
          rate500, rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed, a, batches);
    }

    public Settings withRequestsPerMinute(int rpm) {
      return new Settings(port, model, latencyMs, maxConcurrency, rejectOverCap, rpm, rate429,
          rate500, rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed, answers, batches);
    }

    /** The same simulator running batches as {@code b} says. */
    public Settings withBatches(BatchSettings b) {
      return new Settings(port, model, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, rate429,
          rate500, rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed, answers, b);
    }
  }

  /**
   * How the Batch API behaves (the seed is {@link Settings#seed()}). A batch ends {@code delayMs}
   * after it was created; by then the first {@code completeShare} of its lines (rounded down) are
   * done, so a share below 1 always ends {@code expired}. Each done line fails with a 500 at
   * {@code lineErrorRate}, drawn from the seed and its custom_id alone.
   */
  public record BatchSettings(long delayMs, double lineErrorRate, double completeShare) {
    public BatchSettings {
      if (delayMs < 0) {
        throw new IllegalArgumentException("batch delay must be at least 0 ms, cannot be: " + delayMs);
      }
      if (!(lineErrorRate >= 0 && lineErrorRate <= 1)) {
        throw new IllegalArgumentException("batch line error rate must be between 0 and 1, cannot be: "
            + lineErrorRate);
      }
      if (!(completeShare >= 0 && completeShare <= 1)) {
        throw new IllegalArgumentException("batch complete share must be between 0 and 1, cannot be: "
            + completeShare);
      }
    }

    /** Done after 1 s, every line, none failing. */
    public static BatchSettings defaults() {
      return new BatchSettings(1_000, 0, 1.0);
    }
  }

  /** Counters since start (or the last reset). */
  public record Stats(long requests, long items, long distinctItems, long ok, long rateLimited, long injected429,
      long injected500, long timeouts, long malformed, long rejectedOverCap, long unauthorized, long maxInFlight,
      long inFlight, long promptTokens, long completionTokens, long bearerAuth, long apiKeyHeaderAuth,
      long withApiVersion, long queuedForSlot, long filesUploaded, long batchesCreated, long batchLines,
      long batchItems) {}

  private final Settings settings;
  private final SimCompletions completions;
  private final SimFiles files;
  private final SimBatches batches;
  private final SimHttpServer server;
  private final ExecutorService handlers;
  private final Random random;
  private final SimCounters counters = new SimCounters();
  private final ReplyPacing pacing;

  private LlmSimulator(Settings settings, Policy policy) {
    this.settings = settings;
    this.completions = new SimCompletions(settings, new SimulatedVerdicts(policy));
    this.files = new SimFiles(counters.filesUploaded);
    this.batches = new SimBatches(files, completions, settings, counters);
    this.random = new Random(settings.seed());
    this.pacing = new ReplyPacing(settings, counters.queuedForSlot);
    this.handlers = Executors.newFixedThreadPool(4, daemon("llm-sim-handler"));
    try {
      // 4 event loops, not 2, even on 2 cores: a loop busy writing answers due together delays the
      // next requests on its connections (jobs/bench.sh fanout, cap 256: mean round trip 207.8 instead
      // of 209.4 ms over three passes)
      this.server = new SimHttpServer(settings.port(), 4, handlers, this::handle);
    } catch (RuntimeException e) {
      handlers.shutdownNow();
      batches.close();
      throw e;
    }
  }

  /** Starts a simulator that scores with {@code policy}'s rules. */
  public static LlmSimulator start(Settings settings, Policy policy) {
    try {
      return new LlmSimulator(settings, policy);
    } catch (IllegalStateException e) {
      throw new IllegalStateException("cannot start the LLM simulator on port " + settings.port() + ": "
          + e.getMessage(), e);
    }
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** Base URL for score.openai.endpoint, e.g. http://127.0.0.1:8000/v1. */
  public String endpoint() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  public Stats stats() {
    return counters.stats();
  }

  /** Zeroes the counters (the set of items seen included). */
  public void resetStats() {
    counters.reset();
  }

  @Override
  public void close() {
    server.close();
    handlers.shutdownNow();
    batches.close();
  }

  private void handle(SimHttpServer.Exchange ex) {
    try {
      String path = ex.path();
      java.util.regex.Matcher route;
      if (ex.unreadable() != null) {
        respond(ex, 400, error("unreadable HTTP request: " + ex.unreadable(), "invalid_request_error"), null);
      } else if (path.equals("/stats")) {
        respond(ex, 200, SimAnswers.JSON.valueToTree(stats()).toString(), null);
      } else if (path.equals("/stats/reset")) {
        resetStats();
        respond(ex, 200, "{}", null);
      } else if (!authorized(ex)) {
        counters.unauthorized.incrementAndGet();
        respond(ex, 401, error("Incorrect API key provided.", "invalid_api_key"), null);
      } else if (path.endsWith("/models")) {
        respond(ex, 200, SimAnswers.models(settings.model()), null);
      } else if ((route = SimFiles.PATH.matcher(path)).matches()) {
        files.route(ex, route);
      } else if ((route = SimBatches.PATH.matcher(path)).matches()) {
        batches.route(ex, route);
      } else if (path.endsWith("/chat/completions") && ex.method().equals("POST")) {
        counters.entered();
        try {
          chat(ex);
        } catch (Exception e) {
          reply(ex, 500, error("simulator error: " + e, "server_error"), null);
        }
      } else {
        respond(ex, 404, error("No route " + path, "not_found"), null);
      }
    } catch (Exception e) {
      respond(ex, 500, error("simulator error: " + e, "server_error"), null);
    }
  }

  /**
   * Accepts the key as OpenAI sends it ({@code Authorization: Bearer}) or as Azure OpenAI does
   * ({@code api-key}), and counts which one came (and whether {@code api-version} was given).
   */
  private boolean authorized(SimHttpServer.Exchange ex) {
    String bearer = ex.header("Authorization");
    String apiKeyHeader = ex.header("api-key");
    if (bearer != null) {
      counters.bearerAuth.incrementAndGet();
    }
    if (apiKeyHeader != null) {
      counters.apiKeyHeaderAuth.incrementAndGet();
    }
    String query = ex.rawQuery();
    if (query != null && (query.startsWith("api-version=") || query.contains("&api-version="))) {
      counters.withApiVersion.incrementAndGet();
    }
    if (settings.apiKey() == null) {
      return true;
    }
    return ("Bearer " + settings.apiKey()).equals(bearer) || settings.apiKey().equals(apiKeyHeader);
  }

  private void chat(SimHttpServer.Exchange ex) {
    long arrived = ex.received();
    counters.requests.incrementAndGet();
    ChatRequest body;
    try (InputStream in = new ByteArrayInputStream(ex.body())) {
      body = ChatRequest.read(in);
    } catch (IOException e) {
      reply(ex, 400, SimCompletions.unreadable(), null);
      return;
    }
    String wrongModel = completions.wrongModel(body);
    if (wrongModel != null) {
      reply(ex, 404, wrongModel, null);
      return;
    }
    if (settings.maxConcurrency() > 0 && settings.rejectOverCap()
        && counters.inFlight.get() > settings.maxConcurrency()) {
      counters.rejectedOverCap.incrementAndGet();
      reply(ex, 429, error("Too many concurrent requests", "rate_limit_exceeded"), "1");
      return;
    }
    Integer retryAfter = pacing.takeRpmSlot();
    if (retryAfter != null) {
      counters.rateLimited.incrementAndGet();
      reply(ex, 429, error("Rate limit reached for requests per minute", "rate_limit_exceeded"),
          String.valueOf(retryAfter));
      return;
    }
    List<ScoringItem> batch = body.scoringItems();
    counters.itemsSeen(batch);
    double r;
    synchronized (random) {
      r = random.nextDouble();
    }
    double t429 = settings.rate429();
    double t500 = t429 + settings.rate500();
    double tTimeout = t500 + settings.rateTimeout();
    double tMalformed = tTimeout + settings.rateMalformed();
    if (r < t429) {
      counters.injected429.incrementAndGet();
      pacing.later(ex, arrived, () -> reply(ex, 429, error("Rate limit reached (injected)", "rate_limit_exceeded"),
          String.valueOf(settings.retryAfterSeconds())));
    } else if (r < t500) {
      counters.injected500.incrementAndGet();
      pacing.later(ex, arrived, () -> reply(ex, 500, error("The server had an error (injected)", "server_error"),
          null));
    } else if (r < tTimeout) {
      counters.timeouts.incrementAndGet();
      ex.schedule(() -> {
        counters.inFlight.decrementAndGet(); // before the client can see the drop and try again
        ex.drop(); // hang, then drop the connection without an answer
      }, TimeUnit.MILLISECONDS.toNanos(settings.hangMs()));
    } else if (completions.unusable()) {
      counters.malformed.incrementAndGet();
      byte[] answer = counted(completions.answer(body, batch));
      pacing.later(ex, arrived, () -> reply(ex, 200, answer, null));
    } else if (r < tMalformed) {
      counters.malformed.incrementAndGet();
      String content;
      if ((r - tTimeout) < settings.rateMalformed() / 2) {
        String whole = completions.verdicts(batch);
        content = whole.substring(0, Math.max(1, whole.length() / 2)); // cut off mid-JSON
      } else {
        content = completions.verdicts(batch.subList(0, batch.size() - 1)); // one item missing
      }
      byte[] answer = counted(completions.completion(content, body));
      pacing.later(ex, arrived, () -> reply(ex, 200, answer, null));
    } else {
      byte[] answer = counted(completions.answer(body, batch));
      pacing.later(ex, arrived, () -> {
        counters.ok.incrementAndGet();
        reply(ex, 200, answer, null);
      });
    }
  }

  /** An online completion's body, its tokens added to the counters. */
  private byte[] counted(SimCompletions.Completion c) {
    counters.promptTokens.addAndGet(c.promptTokens());
    counters.completionTokens.addAndGet(c.completionTokens());
    return c.body();
  }

  private static String error(String message, String code) {
    return SimAnswers.error(message, code);
  }

  private void respond(SimHttpServer.Exchange ex, int status, String body, String retryAfter) {
    ex.respond(status, body.getBytes(StandardCharsets.UTF_8), retryAfter);
  }

  /** Answers a chat request, which then no longer counts as in flight. */
  private void reply(SimHttpServer.Exchange ex, int status, String body, String retryAfter) {
    reply(ex, status, body.getBytes(StandardCharsets.UTF_8), retryAfter);
  }

  private void reply(SimHttpServer.Exchange ex, int status, byte[] body, String retryAfter) {
    // No longer in flight before the first byte goes out: a client that sends its next request
    // the moment this answer arrives must not be counted twice.
    counters.inFlight.decrementAndGet();
    ex.respond(status, body, retryAfter);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
