package io.ecolens.simulator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ecolens.policy.Policy;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.openai.PromptBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 */
public final class LlmSimulator implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How the simulator behaves. Rates are shares of chat requests in 0..1. */
  public record Settings(int port, String model, long latencyMs, int maxConcurrency, boolean rejectOverCap,
      int requestsPerMinute, double rate429, double rate500, double rateTimeout, double rateMalformed,
      long hangMs, int retryAfterSeconds, String apiKey, long seed) {
    /** Port 0 (any free port), model sim-model, 200 ms latency, no limits, no faults. */
    public static Settings defaults() {
      return new Settings(0, "sim-model", 200, 0, false, 0, 0, 0, 0, 0, 30_000, 1, null, 42);
    }

    public Settings withLatency(long ms) {
      return new Settings(port, model, ms, maxConcurrency, rejectOverCap, requestsPerMinute, rate429, rate500,
          rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed);
    }

    public Settings withCap(int cap, boolean reject) {
      return new Settings(port, model, latencyMs, cap, reject, requestsPerMinute, rate429, rate500,
          rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed);
    }

    public Settings withFaults(double r429, double r500, double timeout, double malformed, long hang,
        int retryAfter) {
      return new Settings(port, model, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, r429, r500,
          timeout, malformed, hang, retryAfter, apiKey, seed);
    }

    public Settings withApiKey(String key) {
      return new Settings(port, model, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, rate429,
          rate500, rateTimeout, rateMalformed, hangMs, retryAfterSeconds, key, seed);
    }

    public Settings withPort(int p) {
      return new Settings(p, model, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, rate429,
          rate500, rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed);
    }

    public Settings withModel(String name) {
      return new Settings(port, name, latencyMs, maxConcurrency, rejectOverCap, requestsPerMinute, rate429,
          rate500, rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed);
    }

    public Settings withRequestsPerMinute(int rpm) {
      return new Settings(port, model, latencyMs, maxConcurrency, rejectOverCap, rpm, rate429,
          rate500, rateTimeout, rateMalformed, hangMs, retryAfterSeconds, apiKey, seed);
    }
  }

  /** Counters since start (or the last reset). */
  public record Stats(long requests, long items, long distinctItems, long ok, long rateLimited, long injected429,
      long injected500, long timeouts, long malformed, long rejectedOverCap, long unauthorized, long maxInFlight,
      long inFlight, long promptTokens, long completionTokens, long bearerAuth, long apiKeyHeaderAuth,
      long withApiVersion, long queuedForSlot) {}

  private final Settings settings;
  private final SimulatedVerdicts verdicts;
  private final SimHttpServer server;
  private final ExecutorService handlers;
  private final Random random;
  private final ArrayDeque<Long> recent = new ArrayDeque<>();
  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private int active;
  private final Set<Long> seen = ConcurrentHashMap.newKeySet();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong items = new AtomicLong();
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong rateLimited = new AtomicLong();
  private final AtomicLong injected429 = new AtomicLong();
  private final AtomicLong injected500 = new AtomicLong();
  private final AtomicLong timeouts = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong rejectedOverCap = new AtomicLong();
  private final AtomicLong unauthorized = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong maxInFlight = new AtomicLong();
  private final AtomicLong promptTokens = new AtomicLong();
  private final AtomicLong completionTokens = new AtomicLong();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong bearerAuth = new AtomicLong();
  private final AtomicLong apiKeyHeaderAuth = new AtomicLong();
  private final AtomicLong withApiVersion = new AtomicLong();
  private final AtomicLong queuedForSlot = new AtomicLong();

  private LlmSimulator(Settings settings, Policy policy) {
    this.settings = settings;
    this.verdicts = new SimulatedVerdicts(policy);
    this.random = new Random(settings.seed());
    this.handlers = Executors.newFixedThreadPool(4, daemon("llm-sim-handler"));
    try {
      // 4 event loops, not 2, even on 2 cores: a loop busy writing answers due together delays the
      // next requests on its connections (jobs/bench.sh fanout, cap 256: mean round trip 207.8 instead
      // of 209.4 ms over three passes)
      this.server = new SimHttpServer(settings.port(), 4, handlers, this::handle);
    } catch (RuntimeException e) {
      handlers.shutdownNow();
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
    return new Stats(requests.get(), items.get(), seen.size(), ok.get(), rateLimited.get(), injected429.get(),
        injected500.get(), timeouts.get(), malformed.get(), rejectedOverCap.get(), unauthorized.get(),
        maxInFlight.get(), inFlight.get(), promptTokens.get(), completionTokens.get(), bearerAuth.get(),
        apiKeyHeaderAuth.get(), withApiVersion.get(), queuedForSlot.get());
  }

  /** Zeroes the counters (the set of items seen included). */
  public void resetStats() {
    for (AtomicLong a : List.of(requests, items, ok, rateLimited, injected429, injected500, timeouts, malformed,
        rejectedOverCap, unauthorized, maxInFlight, promptTokens, completionTokens, bearerAuth, apiKeyHeaderAuth,
        withApiVersion, queuedForSlot)) {
      a.set(0);
    }
    maxInFlight.set(inFlight.get());
    seen.clear();
  }

  @Override
  public void close() {
    server.close();
    handlers.shutdownNow();
  }

  private void handle(SimHttpServer.Exchange ex) {
    try {
      String path = ex.path();
      if (ex.unreadable() != null) {
        respond(ex, 400, error("unreadable HTTP request: " + ex.unreadable(), "invalid_request_error"), null);
      } else if (path.equals("/stats")) {
        respond(ex, 200, JSON.valueToTree(stats()).toString(), null);
      } else if (path.equals("/stats/reset")) {
        resetStats();
        respond(ex, 200, "{}", null);
      } else if (!authorized(ex)) {
        unauthorized.incrementAndGet();
        respond(ex, 401, error("Incorrect API key provided.", "invalid_api_key"), null);
      } else if (path.endsWith("/models")) {
        ObjectNode list = JSON.createObjectNode().put("object", "list");
        list.putArray("data").addObject().put("id", settings.model()).put("object", "model")
            .put("owned_by", "ecolens-simulator");
        respond(ex, 200, list.toString(), null);
      } else if (path.endsWith("/chat/completions") && ex.method().equals("POST")) {
        long open = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(open, Math::max);
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
      bearerAuth.incrementAndGet();
    }
    if (apiKeyHeader != null) {
      apiKeyHeaderAuth.incrementAndGet();
    }
    String query = ex.rawQuery();
    if (query != null && (query.startsWith("api-version=") || query.contains("&api-version="))) {
      withApiVersion.incrementAndGet();
    }
    if (settings.apiKey() == null) {
      return true;
    }
    return ("Bearer " + settings.apiKey()).equals(bearer) || settings.apiKey().equals(apiKeyHeader);
  }

  private void chat(SimHttpServer.Exchange ex) {
    long arrived = ex.received();
    requests.incrementAndGet();
    ChatRequest body;
    try (InputStream in = new ByteArrayInputStream(ex.body())) {
      body = ChatRequest.read(in);
    } catch (IOException e) {
      reply(ex, 400, error("request body is not JSON", "invalid_request_error"), null);
      return;
    }
    if (!settings.model().equals(body.model())) {
      reply(ex, 404, error("The model '" + body.model() + "' does not exist", "model_not_found"),
          null);
      return;
    }
    if (settings.maxConcurrency() > 0 && settings.rejectOverCap() && inFlight.get() > settings.maxConcurrency()) {
      rejectedOverCap.incrementAndGet();
      reply(ex, 429, error("Too many concurrent requests", "rate_limit_exceeded"), "1");
      return;
    }
    Integer retryAfter = takeRpmSlot();
    if (retryAfter != null) {
      rateLimited.incrementAndGet();
      reply(ex, 429, error("Rate limit reached for requests per minute", "rate_limit_exceeded"),
          String.valueOf(retryAfter));
      return;
    }
    List<ScoringItem> batch = items(body.user());
    items.addAndGet(batch.size());
    for (ScoringItem item : batch) {
      seen.add(fingerprint(item.text()));
    }
    long promptChars = body.contentChars();
    double r;
    synchronized (random) {
      r = random.nextDouble();
    }
    double t429 = settings.rate429();
    double t500 = t429 + settings.rate500();
    double tTimeout = t500 + settings.rateTimeout();
    double tMalformed = tTimeout + settings.rateMalformed();
    long prompt = (promptChars + 3) / 4;
    if (r < t429) {
      injected429.incrementAndGet();
      later(ex, arrived, () -> reply(ex, 429, error("Rate limit reached (injected)", "rate_limit_exceeded"),
          String.valueOf(settings.retryAfterSeconds())));
    } else if (r < t500) {
      injected500.incrementAndGet();
      later(ex, arrived, () -> reply(ex, 500, error("The server had an error (injected)", "server_error"), null));
    } else if (r < tTimeout) {
      timeouts.incrementAndGet();
      ex.schedule(() -> {
        inFlight.decrementAndGet(); // before the client can see the drop and try again
        ex.drop(); // hang, then drop the connection without an answer
      }, TimeUnit.MILLISECONDS.toNanos(settings.hangMs()));
    } else if (r < tMalformed) {
      malformed.incrementAndGet();
      String content;
      if ((r - tTimeout) < settings.rateMalformed() / 2) {
        String whole = answer(batch);
        content = whole.substring(0, Math.max(1, whole.length() / 2)); // cut off mid-JSON
      } else {
        content = answer(batch.subList(0, batch.size() - 1)); // one item missing
      }
      later(ex, arrived, () -> reply(ex, 200, completion(content, prompt), null));
    } else {
      byte[] answer = completion(answer(batch), prompt);
      later(ex, arrived, () -> {
        ok.incrementAndGet();
        reply(ex, 200, answer, null);
      });
    }
  }

  /**
   * Runs {@code reply} once the latency has passed since the request {@code arrived} (or since it
   * got one of the capped slots, when it had to queue for one), holding the slot until then.
   */
  private void later(SimHttpServer.Exchange ex, long arrived, Runnable reply) {
    synchronized (waiting) {
      if (settings.maxConcurrency() > 0 && active >= settings.maxConcurrency()) {
        queuedForSlot.incrementAndGet();
        waiting.add(() -> answerAfterLatency(ex, System.nanoTime(), reply));
        return;
      }
      active++;
    }
    answerAfterLatency(ex, arrived, reply);
  }

  private void answerAfterLatency(SimHttpServer.Exchange ex, long from, Runnable reply) {
    long left = TimeUnit.MILLISECONDS.toNanos(settings.latencyMs()) - (System.nanoTime() - from);
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
  private Integer takeRpmSlot() {
    if (settings.requestsPerMinute() <= 0) {
      return null;
    }
    long now = System.nanoTime();
    long minute = TimeUnit.MINUTES.toNanos(1);
    synchronized (recent) {
      while (!recent.isEmpty() && now - recent.peekFirst() >= minute) {
        recent.pollFirst();
      }
      if (recent.size() >= settings.requestsPerMinute()) {
        return (int) Math.max(1, Math.ceil((recent.peekFirst() + minute - now) / 1e9));
      }
      recent.addLast(now);
      return null;
    }
  }

  /** The items of an ecolens prompt, or the whole last user message as item "1". */
  static List<ScoringItem> items(String user) {
    int begin = user.indexOf(PromptBuilder.BEGIN + "\n");
    int end = user.lastIndexOf("\n" + PromptBuilder.END);
    if (begin >= 0 && end > begin) {
      try {
        return ChatRequest.items(user.substring(begin + PromptBuilder.BEGIN.length() + 1, end));
      } catch (IOException notOurs) {
        // not the ecolens layout after all: score the whole message
      }
    }
    return List.of(new ScoringItem("1", null, null, user, null, List.of()));
  }

  /** The answer's content: {"items":[{"id","scores":[{"category","score","rationale"}]}]}. */
  private String answer(List<ScoringItem> batch) {
    StringWriter out = new StringWriter(256 + batch.size() * 1024);
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeArrayFieldStart("items");
      for (ScoringItem item : batch) {
        g.writeStartObject();
        g.writeStringField("id", item.getContentId());
        g.writeArrayFieldStart("scores");
        for (SimulatedVerdicts.Verdict v : verdicts.score(item.text())) {
          g.writeStartObject();
          g.writeStringField("category", v.category());
          g.writeNumberField("score", Math.round(v.score() * 1000) / 1000.0);
          g.writeStringField("rationale", v.rationale());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("cannot write an answer", e);
    }
    return out.toString();
  }

  private byte[] completion(String content, long prompt) {
    long completion = (content.length() + 3) / 4;
    promptTokens.addAndGet(prompt);
    completionTokens.addAndGet(completion);
    ByteArrayBuilder out = new ByteArrayBuilder(content.length() + 300);
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("id", "chatcmpl-sim-" + ids.incrementAndGet());
      g.writeStringField("object", "chat.completion");
      g.writeNumberField("created", System.currentTimeMillis() / 1000);
      g.writeStringField("model", settings.model());
      g.writeArrayFieldStart("choices");
      g.writeStartObject();
      g.writeNumberField("index", 0);
      g.writeStringField("finish_reason", "stop");
      g.writeObjectFieldStart("message");
      g.writeStringField("role", "assistant");
      g.writeStringField("content", content);
      g.writeEndObject();
      g.writeEndObject();
      g.writeEndArray();
      g.writeObjectFieldStart("usage");
      g.writeNumberField("prompt_tokens", prompt);
      g.writeNumberField("completion_tokens", completion);
      g.writeNumberField("total_tokens", prompt + completion);
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("cannot write a completion", e);
    }
    return out.toByteArray();
  }

  private static String error(String message, String code) {
    ObjectNode root = JSON.createObjectNode();
    root.putObject("error").put("message", message).put("type", code).put("code", code);
    return root.toString();
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
    inFlight.decrementAndGet();
    ex.respond(status, body, retryAfter);
  }

  /** A 64-bit FNV-1a hash of the text: enough to count distinct items, far cheaper than SHA-256. */
  static long fingerprint(String text) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < text.length(); i++) {
      h = (h ^ text.charAt(i)) * 0x100000001b3L;
    }
    return h;
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
