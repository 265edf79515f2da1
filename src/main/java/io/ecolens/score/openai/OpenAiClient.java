package io.ecolens.score.openai;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The HTTP side of an OpenAI-compatible endpoint: POST /chat/completions and GET /models with the
 * JDK HttpClient. The API key is read from the environment variable named in the settings (or, for
 * local runs and tests, a JVM system property of that name), held only here, and scrubbed from
 * every message ecolens keeps.
 */
public final class OpenAiClient {
  private final OpenAiSettings settings;
  private final HttpClient http;
  private final String apiKey;
  private final URI completions;
  private final Duration requestTimeout;

  public OpenAiClient(OpenAiSettings settings) {
    this.settings = settings;
    this.completions = URI.create(settings.endpoint() + "/chat/completions");
    this.requestTimeout = Duration.ofMillis(settings.timeoutMs());
    this.apiKey = apiKey(settings.apiKeyEnv());
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofMillis(Math.min(settings.timeoutMs(), 10_000)))
        .build();
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
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** GET /models, synchronously. */
  public HttpResponse<String> models() throws java.io.IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(settings.endpoint() + "/models"))
        .timeout(Duration.ofMillis(Math.min(settings.timeoutMs(), 30_000)))
        .GET();
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code text} with the API key (if any) replaced by ***. */
  public String scrub(String text) {
    if (text == null || apiKey == null) {
      return text;
    }
    return text.replace(apiKey, "***");
  }
}
