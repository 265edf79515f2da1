package io.ecolens.scorer.openai;

import io.ecolens.spark.CommonPool;
import io.ecolens.config.OpenAiSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of an OpenAI-compatible endpoint: POST /chat/completions and GET /models with the
 * JDK HttpClient, in the OpenAI shape (Bearer token) or Azure OpenAI's (deployment URL,
 * {@code api-version} query parameter, {@code api-key} header). The API key is read from a Hadoop
 * credential provider alias or the environment variable named in the settings (or, for local runs
 * and tests, a JVM system property of that name), held only here, and scrubbed from every message
 * ecolens keeps.
 */
public final class OpenAiClient {
  private static final Logger LOG = LoggerFactory.getLogger(OpenAiClient.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private final OpenAiSettings settings;
  private final HttpClient http;
  private final String apiKey;
  private final URI completions;
  private final Duration requestTimeout;

  public OpenAiClient(OpenAiSettings settings) {
    this.settings = settings;
    this.completions = uri(settings, "/chat/completions");
    this.requestTimeout = Duration.ofMillis(settings.timeoutMs());
    this.apiKey = apiKey(settings);
    if (CommonPool.threadPerCompletion() && WARNED.compareAndSet(false, true)) {
      LOG.warn("This JVM's common ForkJoinPool has parallelism 1, so the HTTP client starts a thread for every "
          + "answer, which slows scoring at high concurrency. Start the JVM with -D{}={} (ecolens adds it to "
          + "spark.executor.extraJavaOptions unless executors have more than 2 cores).", CommonPool.PROPERTY,
          CommonPool.MIN_PARALLELISM);
    }
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofMillis(Math.min(settings.timeoutMs(), 10_000)));
    if (stepsInPlace(completions)) {
      builder.executor(Runnable::run);
    }
    this.http = builder.build();
  }

  /**
   * Whether the client runs its own steps in place for this endpoint: for plain {@code http://},
   * yes. The JDK's default executor hands each step of an exchange that starts on the client's
   * selector thread (reading and decoding an answer, a finished connect) to a pool thread; in place,
   * that work runs on the selector thread, and looking up the address, connecting and writing a
   * request on the thread that sends it (FanOut's driving thread). On two cores at ~1,170
   * requests/s (jobs/bench.sh fanout, cap 256) that is 0.5-0.6 instead of 0.7-0.8 ms of CPU per
   * request. The futures {@code sendAsync} returns complete on CompletableFuture's default
   * executor either way (the JDK always adds that hop), so FanOut's handling of an answer never runs
   * on the selector thread. Not for {@code https://}: TLS handshakes (certificate checks, key
   * agreement) and the address lookup of a reconnect would then run on the one selector thread,
   * holding up every other connection's I/O and every request's timeout while they last.
   */
  static boolean stepsInPlace(URI endpoint) {
    return "http".equalsIgnoreCase(endpoint.getScheme());
  }

  /** Whether this client runs its steps in place (see {@link #stepsInPlace(URI)}). */
  boolean runsStepsInPlace() {
    return http.executor().isPresent();
  }

  /**
   * The key for these settings: the Hadoop credential provider entry {@code api-key-alias} when set
   * and found, else the environment variable {@code api-key-env}; null when neither holds one.
   */
  public static String apiKey(OpenAiSettings settings) {
    if (settings.apiKeyAlias() != null) {
      String key = CredentialProviders.password(settings.apiKeyAlias(), settings.credentialProviders());
      if (key != null) {
        return key;
      }
    }
    return apiKey(settings.apiKeyEnv());
  }

  /** Where the key was looked for, for error messages (names only, never the key). */
  public static String keySources(OpenAiSettings settings) {
    String env = "the environment variable '" + settings.apiKeyEnv() + "' (score.openai.api-key-env)";
    return settings.apiKeyAlias() == null ? env : "the credential provider alias '" + settings.apiKeyAlias()
        + "' (score.openai.api-key-alias) or " + env;
  }

  /** The key named by {@code envName}: the environment first, then a system property; null if neither. */
  public static String apiKey(String envName) {
    if (envName == null || envName.isBlank()) {
      return null;
    }
    String v = System.getenv(envName);
    if (v == null || v.isBlank()) {
      v = System.getProperty(envName);
    }
    return v == null || v.isBlank() ? null : v;
  }

  /** Whether a key was found. */
  public boolean hasKey() {
    return apiKey != null;
  }

  /** Sends one chat-completions request. */
  public CompletableFuture<HttpResponse<String>> complete(String body) {
    return complete(HttpRequest.BodyPublishers.ofString(body));
  }

  /** Sends one chat-completions request whose body is UTF-8 JSON. */
  public CompletableFuture<HttpResponse<String>> complete(byte[] body) {
    return complete(HttpRequest.BodyPublishers.ofByteArray(body));
  }

  private CompletableFuture<HttpResponse<String>> complete(HttpRequest.BodyPublisher body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(completions)
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .POST(body);
    authorize(b);
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** GET /models, synchronously. */
  public HttpResponse<String> models() throws java.io.IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(settings, "/models"))
        .timeout(Duration.ofMillis(Math.min(settings.timeoutMs(), 30_000)))
        .GET();
    authorize(b);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** OpenAI: {@code Authorization: Bearer <key>}; Azure OpenAI: {@code api-key: <key>}. */
  void authorize(HttpRequest.Builder b) {
    if (apiKey != null) {
      if (settings.azure()) {
        b.header("api-key", apiKey);
      } else {
        b.header("Authorization", "Bearer " + apiKey);
      }
    }
  }

  /** {@code endpoint + path}, with {@code ?api-version=} for Azure OpenAI. */
  static URI uri(OpenAiSettings settings, String path) {
    String query = settings.azure()
        ? "?api-version=" + java.net.URLEncoder.encode(settings.apiVersion(), java.nio.charset.StandardCharsets.UTF_8)
        : "";
    return URI.create(settings.endpoint() + path + query);
  }

  /** {@code text} with the API key (if any) replaced by ***. */
  public String scrub(String text) {
    if (text == null || apiKey == null) {
      return text;
    }
    return text.replace(apiKey, "***");
  }

  /** Retry-After as seconds or an HTTP date; 0 when absent or unreadable. */
  static long retryAfterNanos(HttpResponse<String> r) {
    String v = r.headers().firstValue("retry-after").orElse(null);
    if (v == null || v.isBlank()) {
      return 0;
    }
    try {
      return (long) (Double.parseDouble(v.trim()) * 1e9);
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, TimeUnit.MILLISECONDS.toNanos(at.toInstant().toEpochMilli() - System.currentTimeMillis()));
      } catch (RuntimeException unreadable) {
        return 0;
      }
    }
  }

  /** Whether an answer says the endpoint does not serve the model asked for. */
  static boolean isUnknownModel(int status, String body) {
    if (status != 404 && status != 400) {
      return false;
    }
    String b = body == null ? "" : body.toLowerCase(Locale.ROOT);
    return b.contains("model_not_found") || (b.contains("model") && (b.contains("does not exist") || b.contains("not found")));
  }

  /** The start of an answer's body for a message: whitespace folded, the API key scrubbed. */
  String snippet(String body) {
    String s = scrub(body == null ? "" : body.replaceAll("\\s+", " ").trim());
    return s.length() <= 200 ? s : s.substring(0, 197) + "...";
  }
}
