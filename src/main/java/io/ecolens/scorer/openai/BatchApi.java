package io.ecolens.scorer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import io.ecolens.Errors;
import io.ecolens.config.OpenAiSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's Files and Batch APIs, as OpenAI (and Azure OpenAI, with its {@code api-version})
 * serve them: upload a JSONL file of requests ({@code POST /files}, purpose {@code batch}), create a
 * batch of it ({@code POST /batches}, endpoint {@code /v1/chat/completions}, window {@code 24h}),
 * read its state, cancel it, list batches, and download its output and error files. Calls that
 * fail on the way (connection errors, 429, 5xx) are retried with backoff; any other answer that is
 * not a success stops the stage with the provider's message.
 */
public final class BatchApi implements BatchProvider {
  private static final Logger LOG = LoggerFactory.getLogger(BatchApi.class);
  /** The chat-completions path every request line names, as the provider expects it. */
  public static final String ENDPOINT = "/v1/chat/completions";
  private static final int CALL_RETRIES = 5;

  private final OpenAiSettings settings;
  private final OpenAiClient auth;
  private final HttpClient http;

  public BatchApi(OpenAiSettings settings) {
    this.settings = settings;
    this.auth = new OpenAiClient(settings);
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofMillis(Math.min(settings.timeoutMs(), 10_000))).build();
  }

  /** Uploads {@code jsonl} as a batch input file named {@code filename}; returns the file id. */
  @Override
  public String upload(String filename, byte[] jsonl) {
    String boundary = "ecolens-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream(jsonl.length + 512);
    write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n");
    write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
        + "\"\r\nContent-Type: application/jsonl\r\n\r\n");
    body.writeBytes(jsonl);
    write(body, "\r\n--" + boundary + "--\r\n");
    byte[] bytes = body.toByteArray();
    JsonNode file = call("upload " + filename, () -> HttpRequest.newBuilder(uri("/files"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    return text(file, "id", "upload of " + filename);
  }

  /** Creates a batch of the uploaded file {@code inputFileId}; returns the batch object. */
  @Override
  public JsonNode create(String inputFileId, Map<String, String> metadata) {
    ObjectNode request = PromptBuilder.JSON.createObjectNode()
        .put("input_file_id", inputFileId).put("endpoint", ENDPOINT).put("completion_window", "24h");
    ObjectNode meta = request.putObject("metadata");
    metadata.forEach(meta::put);
    byte[] bytes = request.toString().getBytes(StandardCharsets.UTF_8);
    // retried on 429 alone: after a lost answer or a 5xx the batch may exist, and the caller looks for it
    // by its input file instead of creating (and paying for) a second one
    return call("create a batch of " + inputFileId, () -> HttpRequest.newBuilder(uri("/batches"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(bytes)), false);
  }

  @Override
  public void cancel(String batchId) {
    call("cancel batch " + batchId, () -> HttpRequest.newBuilder(uri("/batches/" + batchId + "/cancel"))
        .POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** The batch object of {@code batchId}: its status, counts and file ids. */
  @Override
  public JsonNode get(String batchId) {
    return call("read batch " + batchId, () -> HttpRequest.newBuilder(uri("/batches/" + batchId)).GET());
  }

  @Override
  public List<JsonNode> list(long since) {
    List<JsonNode> out = new ArrayList<>();
    String after = null;
    while (true) {
      String query = "/batches?limit=100" + (after == null ? "" : "&after=" + after);
      JsonNode page = call("list batches", () -> HttpRequest.newBuilder(uri(query)).GET());
      JsonNode data = page.path("data");
      boolean older = false;
      for (JsonNode b : data) {
        if (b.path("created_at").asLong(Long.MAX_VALUE) < since) {
          older = true; // newest first: the rest is older still
          break;
        }
        out.add(b);
      }
      if (older || !page.path("has_more").asBoolean(false) || data.isEmpty()) {
        return out;
      }
      after = page.path("last_id").asText(data.get(data.size() - 1).path("id").asText());
    }
  }

  /** The content of file {@code fileId} (a batch's output or error file) as text. */
  @Override
  public String content(String fileId) {
    HttpResponse<String> r = send("download file " + fileId,
        () -> HttpRequest.newBuilder(uri("/files/" + fileId + "/content")).GET(), true);
    return r.body();
  }

  private URI uri(String path) {
    String base = OpenAiClient.uri(settings, path).toString();
    // the list's own query and Azure's api-version share one query string
    return URI.create(path.contains("?") ? base.replaceFirst("\\?api-version=", "&api-version=") : base);
  }

  private JsonNode call(String what, RequestFactory request) {
    return call(what, request, true);
  }

  private JsonNode call(String what, RequestFactory request, boolean retryAll) {
    HttpResponse<String> r = send(what, request, retryAll);
    try {
      return PromptBuilder.JSON.readTree(r.body());
    } catch (IOException e) {
      throw Errors.stageFailed("score", "the Batch API at " + settings.endpoint() + " answered " + what
          + " with something that is not JSON: " + auth.snippet(r.body()), e);
    }
  }

  /**
   * Sends the request, retrying 429 and, with {@code retryAll}, connection errors, 408, 409 and 5xx;
   * fails on any other non-2xx answer.
   */
  private HttpResponse<String> send(String what, RequestFactory request, boolean retryAll) {
    RetryPolicy<HttpResponse<String>> retry = RetryPolicy.<HttpResponse<String>>builder()
        .handleIf((r, e) -> (e != null && retryAll && e instanceof IOException)
            || (r != null && (r.statusCode() == 429 || retryAll && (r.statusCode() == 408 || r.statusCode() == 409
                || r.statusCode() >= 500))))
        .withBackoff(Duration.ofMillis(500), Duration.ofSeconds(30))
        .withJitter(0.25)
        .withMaxRetries(CALL_RETRIES)
        .onRetry(e -> LOG.info("Batch API: {} failed ({}); attempt {} of {}", what,
            e.getLastException() != null ? e.getLastException().getClass().getSimpleName()
                : "HTTP " + e.getLastResult().statusCode(), e.getAttemptCount() + 1, CALL_RETRIES + 1))
        .build();
    HttpResponse<String> r;
    try {
      r = Failsafe.with(retry).get(() -> {
        HttpRequest.Builder b = request.build().timeout(Duration.ofMillis(Math.max(settings.timeoutMs(), 60_000)));
        auth.authorize(b);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      });
    } catch (FailsafeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw Errors.stageFailed("score", "cannot " + what + " at " + settings.endpoint() + " ("
          + cause.getClass().getSimpleName() + ": " + auth.scrub(String.valueOf(cause.getMessage()))
          + "). Check score.openai.endpoint and that the provider serves the Batch API.", cause);
    }
    if (r.statusCode() / 100 != 2) {
      throw Errors.stageFailed("score", "the Batch API at " + settings.endpoint() + " refused to " + what + " (HTTP "
          + r.statusCode() + ": " + auth.snippet(r.body()) + ")"
          + (r.statusCode() == 401 || r.statusCode() == 403 ? ". Set a valid key in "
              + OpenAiClient.keySources(settings) : "")
          + (r.statusCode() == 404 && what.startsWith("upload") ? ". The endpoint may not serve the Batch API; "
              + "set score.openai.mode online" : "") + ".", null);
    }
    return r;
  }

  private static String text(JsonNode node, String field, String what) {
    String v = node.path(field).asText(null);
    if (v == null || v.isBlank()) {
      throw Errors.stageFailed("score", "the Batch API's answer to the " + what + " has no '" + field + "': "
          + node, null);
    }
    return v;
  }

  private static void write(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  @FunctionalInterface
  private interface RequestFactory {
    HttpRequest.Builder build();
  }
}
