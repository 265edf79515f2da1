package io.ecolens.scorer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.ecolens.Errors;
import io.ecolens.config.OpenAiSettings;
import io.ecolens.policy.Policy;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.ScoringItem;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The requests of a batch and what its answers mean. Requests are rendered exactly as the online
 * path sends them (same prompt, answer schema and items per request), each as a JSONL line whose
 * {@code custom_id} is the request's key: a hash of the model, the prompt and the items (id and
 * content hash) it holds. Files keep within the provider's limits on requests and bytes. An answer
 * line is read with the same checks as an online answer.
 */
public final class BatchRequests {
  /** One request: its key, its items in order (answer ids "1".."n") and the line that sends it. */
  public record Request(String customId, List<ScoringItem> items, byte[] line) {}

  /**
   * What one answer line says about its request's items: the rows of the items it scored or failed
   * for good, and the items to send again (alone when {@code alone}), with why.
   */
  public record Outcome(List<CategoryScore> rows, List<ScoringItem> again, boolean alone, String reason,
      long inputTokens, long outputTokens) {}

  private final OpenAiSettings settings;
  private final Policy policy;
  private final PromptBuilder prompt;
  private final List<String> categories;
  private final String promptHash;

  public BatchRequests(OpenAiSettings settings, Policy policy) {
    this.settings = settings;
    this.policy = policy;
    this.prompt = new PromptBuilder(policy);
    this.categories = policy.categories().stream().map(Policy.Category::id).toList();
    this.promptHash = prompt.promptHash();
  }

  /** {@code items} in requests of {@code items-per-request} (of one item each when {@code alone}), in order. */
  public List<Request> requests(List<ScoringItem> items, boolean alone) {
    int per = alone ? 1 : settings.itemsPerRequest();
    List<Request> out = new ArrayList<>((items.size() + per - 1) / per);
    for (int i = 0; i < items.size(); i += per) {
      out.add(request(items.subList(i, Math.min(items.size(), i + per))));
    }
    return out;
  }

  /**
   * The key of a request for {@code items} in this order: a hash of the model, the prompt and each
   * item's id and content hash. A batch's request whose key differs from the one its items would get
   * now asked about other text, model or prompt, and its answers do not count.
   */
  public String customId(List<ScoringItem> items) {
    StringBuilder key = new StringBuilder(settings.model()).append('\u001f').append(promptHash);
    for (ScoringItem item : items) {
      key.append('\u001f').append(item.getContentId()).append(':').append(item.getContentHash());
    }
    return "ecolens-" + Policy.sha256(key.toString()).substring(0, 40);
  }

  private Request request(List<ScoringItem> items) {
    String customId = customId(items);
    byte[] body = prompt.requestBytes(settings, items);
    ByteArrayOutputStream line = new ByteArrayOutputStream(body.length + 160);
    line.writeBytes(("{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"" + BatchApi.ENDPOINT
        + "\",\"body\":").getBytes(StandardCharsets.UTF_8));
    line.writeBytes(body);
    line.writeBytes("}\n".getBytes(StandardCharsets.UTF_8));
    return new Request(customId, List.copyOf(items), line.toByteArray());
  }

  /**
   * The requests split into files of at most {@code batch-max-requests} requests and {@code
   * batch-max-file-mb} megabytes, in order; a request larger than a file alone fails the stage.
   */
  public List<List<Request>> files(List<Request> requests) {
    long maxBytes = settings.batchMaxFileMb() * 1024L * 1024L;
    List<List<Request>> files = new ArrayList<>();
    List<Request> current = new ArrayList<>();
    long bytes = 0;
    for (Request r : requests) {
      if (r.line().length > maxBytes) {
        throw Errors.stageFailed("score", "one request of " + r.items().size() + " items is " + r.line().length
            + " bytes, more than score.openai.batch-max-file-mb allows in a file; lower items-per-request", null);
      }
      if (!current.isEmpty() && (current.size() >= settings.batchMaxRequests() || bytes + r.line().length > maxBytes)) {
        files.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(r);
      bytes += r.line().length;
    }
    if (!current.isEmpty()) {
      files.add(current);
    }
    return files;
  }

  /** The JSONL content of a file of requests. */
  public static byte[] jsonl(List<Request> file) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    file.forEach(r -> out.writeBytes(r.line()));
    return out.toByteArray();
  }

  /**
   * Reads one line of a batch's output or error file for {@code request}, sent for the {@code
   * attempt}-th time. A valid answer scores its items; items missing or malformed in it, and lines
   * that failed in a way a retry can fix (429, 5xx, expiry, cancellation), are sent again, as the
   * online path retries them, until {@code max-attempts}; another 4xx splits a request of several
   * items into single ones and fails a single item with the provider's reason. A line saying the
   * model does not exist stops the stage, as online.
   */
  public Outcome read(JsonNode line, Request request, int attempt) {
    JsonNode response = line.path("response");
    int status = response.path("status_code").asInt(0);
    if (response.isMissingNode() || response.isNull() || status == 0) {
      JsonNode error = line.path("error");
      String reason = "batch line not answered: " + error.path("code").asText("no response") + " "
          + error.path("message").asText("");
      return retryOrFail(request.items(), reason.strip(), attempt, false, 0, 0);
    }
    String body = response.path("body").toString();
    if (status == 200) {
      ChatCompletion completion = ChatCompletion.parse(body);
      AnswerParser.Answer answer = AnswerParser.parse(completion.content(), request.items().size(), categories);
      List<CategoryScore> rows = new ArrayList<>();
      List<ScoringItem> again = new ArrayList<>();
      String reason = null;
      int n = request.items().size();
      for (int i = 0; i < n; i++) {
        ScoringItem item = request.items().get(i);
        long in = ItemRows.share(completion.promptTokens(), n, i);
        long out = ItemRows.share(completion.completionTokens(), n, i);
        List<AnswerParser.Verdict> verdicts = answer.valid().get(String.valueOf(i + 1));
        if (verdicts != null) {
          rows.addAll(ItemRows.ok(item, verdicts, policy, in, out, 0.0, attempt, settings::batchCost));
        } else if (attempt >= settings.maxAttempts()) {
          rows.addAll(ItemRows.failed(item, categories, answer.invalid().get(String.valueOf(i + 1))
              + " (after " + attempt + " attempts)", in, out, 0.0, attempt, settings::batchCost));
        } else {
          again.add(item);
          reason = answer.invalid().get(String.valueOf(i + 1));
          // the tokens of an item sent again are billed on the rows of its last attempt only
        }
      }
      return new Outcome(rows, again, true, reason, completion.promptTokens(), completion.completionTokens());
    }
    String reason = "HTTP " + status + ": " + snippet(body);
    if (OpenAiClient.isUnknownModel(status, body)) {
      throw Errors.stageFailed("score", "the Batch API at " + settings.endpoint() + " does not serve model '"
          + settings.model() + "' (" + reason + "). Fix score.openai.model.", null);
    }
    if (status == 408 || status == 409 || status == 429 || status >= 500) {
      return retryOrFail(request.items(), reason, attempt, false, 0, 0);
    }
    if (request.items().size() > 1) {
      return new Outcome(List.of(), request.items(), true, reason, 0, 0); // e.g. context too long: each alone
    }
    return new Outcome(ItemRows.failed(request.items().get(0), categories, reason, 0, 0, 0.0, attempt,
        settings::batchCost), List.of(), false, reason, 0, 0);
  }

  private Outcome retryOrFail(List<ScoringItem> items, String reason, int attempt, boolean alone, long in, long out) {
    if (attempt < settings.maxAttempts()) {
      return new Outcome(List.of(), items, alone, reason, in, out);
    }
    List<CategoryScore> rows = new ArrayList<>();
    for (ScoringItem item : items) {
      rows.addAll(ItemRows.failed(item, categories, reason + " (after " + attempt + " attempts)", 0, 0, 0.0, attempt,
          settings::batchCost));
    }
    return new Outcome(rows, List.of(), false, reason, in, out);
  }

  /** Index of requests by key. */
  public static Map<String, Request> byKey(List<Request> requests) {
    Map<String, Request> m = new java.util.LinkedHashMap<>();
    requests.forEach(r -> m.put(r.customId(), r));
    return m;
  }

  private static String snippet(String body) {
    String s = body == null ? "" : body.replaceAll("\\s+", " ").trim();
    return s.length() <= 200 ? s : s.substring(0, 197) + "...";
  }
}
