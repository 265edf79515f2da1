package io.ecolens.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.scorer.openai.PromptBuilder;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The simulator's Files and Batch APIs, driven as an OpenAI client drives them, over plain HTTP. */
class SimBatchesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final Set<String> ENDED = Set.of("completed", "failed", "expired", "cancelled");

  /** No online latency, so that the online answers compared with the batch's come at once. */
  private static LlmSimulator start(long delayMs, double lineErrorRate, double completeShare) {
    return LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(0)
        .withBatches(new LlmSimulator.BatchSettings(delayMs, lineErrorRate, completeShare)), POLICY);
  }

  /** A chat request body; {@code text} becomes one user message. */
  private static ObjectNode chatBody(String model, String text) {
    ObjectNode body = JSON.createObjectNode().put("model", model);
    body.putArray("messages").addObject().put("role", "system").put("content", "You moderate clips.");
    body.withArray("messages").addObject().put("role", "user").put("content", text);
    return body;
  }

  /** An ecolens prompt of two items: one the hate-speech rules flag, one harmless. */
  private static String twoItems() {
    return "Judge these.\n" + PromptBuilder.BEGIN + "\n"
        + "[{\"id\":\"a\",\"title\":\"rant\",\"description\":\"they are vermin, subhuman\",\"hashtags\":[\"x\"]},"
        + "{\"id\":\"b\",\"title\":\"garden\",\"description\":\"planting tomatoes in spring\"}]\n" + PromptBuilder.END;
  }

  private static String line(String customId, ObjectNode body) {
    ObjectNode line = JSON.createObjectNode().put("custom_id", customId).put("method", "POST")
        .put("url", "/v1/chat/completions");
    line.set("body", body);
    return line.toString();
  }

  /** {@code n} request lines of one harmless clip each, custom_ids c0..c(n-1). */
  private static String lines(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(line("c" + i, chatBody("sim-model", "clip " + i + " about gardening")));
    }
    return String.join("\n", out) + "\n";
  }

  private static HttpResponse<String> upload(LlmSimulator sim, String purpose, String content) throws Exception {
    String boundary = "----ecolens-test-boundary";
    ByteArrayOutputStream form = new ByteArrayOutputStream();
    form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n" + purpose
        + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"requests.jsonl\"\r\n"
        + "Content-Type: application/jsonl\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    form.writeBytes(content.getBytes(StandardCharsets.UTF_8));
    form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return CLIENT.send(HttpRequest.newBuilder(URI.create(sim.endpoint() + "/files"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(form.toByteArray())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String uploaded(LlmSimulator sim, String content) throws Exception {
    HttpResponse<String> r = upload(sim, "batch", content);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).path("id").asText();
  }

  private static HttpResponse<String> post(LlmSimulator sim, String path, String body) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create(sim.endpoint() + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(LlmSimulator sim, String path) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create(sim.endpoint() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> createBatch(LlmSimulator sim, String fileId, String endpoint, String window)
      throws Exception {
    ObjectNode body = JSON.createObjectNode().put("input_file_id", fileId).put("endpoint", endpoint)
        .put("completion_window", window);
    body.putObject("metadata").put("run", "r1");
    return post(sim, "/batches", body.toString());
  }

  private static JsonNode created(LlmSimulator sim, String content) throws Exception {
    HttpResponse<String> r = createBatch(sim, uploaded(sim, content), "/v1/chat/completions", "24h");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** Polls the batch as a client does until it has ended. */
  private static JsonNode ended(LlmSimulator sim, String id) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      JsonNode batch = JSON.readTree(get(sim, "/batches/" + id).body());
      if (ENDED.contains(batch.path("status").asText()) || System.nanoTime() > deadline) {
        return batch;
      }
      Thread.sleep(20);
    }
  }

  /** The lines of a file's content, each read as JSON; none when {@code fileId} is null. */
  private static List<JsonNode> content(LlmSimulator sim, JsonNode fileId) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    if (fileId.isNull()) {
      return out;
    }
    HttpResponse<String> r = get(sim, "/files/" + fileId.asText() + "/content");
    assertThat(r.statusCode()).isEqualTo(200);
    for (String l : r.body().split("\n")) {
      out.add(JSON.readTree(l));
    }
    return out;
  }

  private static List<String> customIds(List<JsonNode> lines) {
    return lines.stream().map(l -> l.path("custom_id").asText()).toList();
  }

  @Test
  void eachLineIsAnsweredAsTheOnlineEndpointAnswersTheSameRequest() throws Exception {
    try (LlmSimulator sim = start(100, 0, 1.0)) {
      List<ObjectNode> bodies = List.of(chatBody("sim-model", twoItems()),
          chatBody("sim-model", "people of that religion are vermin"), chatBody("sim-model", "a cooking video"));
      ObjectNode wrongModel = chatBody("gpt-unknown", "a cooking video");
      String input = line("hate", bodies.get(0)) + "\n" + line("one", bodies.get(1)) + "\n"
          + line("two", bodies.get(2)) + "\n" + line("wrong-model", wrongModel) + "\n";
      JsonNode batch = created(sim, input);
      assertThat(batch.path("id").asText()).startsWith("batch_");
      assertThat(batch.path("object").asText()).isEqualTo("batch");
      assertThat(batch.path("status").asText()).isEqualTo("validating");
      assertThat(batch.path("metadata").path("run").asText()).isEqualTo("r1");
      assertThat(batch.path("output_file_id").isNull()).isTrue();

      JsonNode done = ended(sim, batch.path("id").asText());
      assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("completed");
      assertThat(done.path("errors").isNull()).isTrue();
      assertThat(done.path("completed_at").isNumber()).isTrue();
      assertThat(done.path("request_counts").toString()).isEqualTo("{\"total\":4,\"completed\":3,\"failed\":1}");
      LlmSimulator.Stats afterBatch = sim.stats();
      assertThat(afterBatch.requests()).as("batch lines are not online requests").isZero();
      assertThat(afterBatch.items()).isZero();
      assertThat(afterBatch.filesUploaded()).isEqualTo(1);
      assertThat(afterBatch.batchesCreated()).isEqualTo(1);
      assertThat(afterBatch.batchLines()).isEqualTo(4);
      assertThat(afterBatch.batchItems()).isEqualTo(5);

      List<JsonNode> output = content(sim, done.path("output_file_id"));
      assertThat(customIds(output)).containsExactly("hate", "one", "two");
      for (int i = 0; i < output.size(); i++) {
        JsonNode line = output.get(i);
        assertThat(line.path("id").asText()).startsWith("batch_req_");
        assertThat(line.path("error").isNull()).isTrue();
        assertThat(line.path("response").path("status_code").asInt()).isEqualTo(200);
        assertThat(line.path("response").path("request_id").asText()).isNotBlank();
        JsonNode batchAnswer = line.path("response").path("body");
        JsonNode online = JSON.readTree(post(sim, "/chat/completions", bodies.get(i).toString()).body());
        assertThat(batchAnswer.path("object").asText()).isEqualTo("chat.completion");
        assertThat(batchAnswer.path("choices")).isEqualTo(online.path("choices"));
        assertThat(batchAnswer.path("usage")).isEqualTo(online.path("usage"));
        assertThat(batchAnswer.path("model")).isEqualTo(online.path("model"));
      }
      assertThat(output.get(1).path("response").path("body").path("choices").path(0).path("message")
          .path("content").asText()).contains("hate_speech");

      List<JsonNode> errors = content(sim, done.path("error_file_id"));
      assertThat(customIds(errors)).containsExactly("wrong-model");
      HttpResponse<String> onlineWrong = post(sim, "/chat/completions", wrongModel.toString());
      assertThat(errors.get(0).path("response").path("status_code").asInt()).isEqualTo(404)
          .isEqualTo(onlineWrong.statusCode());
      assertThat(errors.get(0).path("response").path("body")).isEqualTo(JSON.readTree(onlineWrong.body()));
      assertThat(sim.stats().requests()).isEqualTo(4);
    }
  }

  @Test
  void aBatchEndsOnItsOwnWithoutBeingAskedAbout() throws Exception {
    try (LlmSimulator sim = start(50, 0, 1.0)) {
      String id = created(sim, lines(2)).path("id").asText();
      long deadline = System.nanoTime() + 20_000_000_000L;
      JsonNode files;
      do { // the files list does not move batches on: only the scheduler can have written the output
        Thread.sleep(20);
        files = JSON.readTree(get(sim, "/files").body()).path("data");
      } while (files.size() < 2 && System.nanoTime() < deadline);
      assertThat(files.get(0).path("filename").asText()).isEqualTo(id + "_output.jsonl");
      assertThat(files.get(0).path("purpose").asText()).isEqualTo("batch_output");
      assertThat(JSON.readTree(get(sim, "/batches/" + id).body()).path("status").asText()).isEqualTo("completed");
    }
  }

  @Test
  void withEveryLineFailingAllAreInTheErrorFile() throws Exception {
    try (LlmSimulator sim = start(0, 1.0, 1.0)) {
      JsonNode done = ended(sim, created(sim, lines(5)).path("id").asText());
      assertThat(done.path("status").asText()).isEqualTo("completed");
      assertThat(done.path("output_file_id").isNull()).isTrue();
      assertThat(done.path("request_counts").toString()).isEqualTo("{\"total\":5,\"completed\":0,\"failed\":5}");
      List<JsonNode> errors = content(sim, done.path("error_file_id"));
      assertThat(customIds(errors)).containsExactly("c0", "c1", "c2", "c3", "c4");
      for (JsonNode e : errors) {
        assertThat(e.path("response").path("status_code").asInt()).isEqualTo(500);
        assertThat(e.path("response").path("body").path("error").path("code").asText()).isEqualTo("server_error");
        assertThat(e.path("error").isNull()).isTrue();
      }
    }
  }

  @Test
  void aBatchWithHalfItsLinesDoneExpiresWithTheRestAsBatchExpired() throws Exception {
    try (LlmSimulator sim = start(50, 0, 0.5)) {
      JsonNode done = ended(sim, created(sim, lines(6)).path("id").asText());
      assertThat(done.path("status").asText()).isEqualTo("expired");
      assertThat(done.path("expired_at").isNumber()).isTrue();
      assertThat(done.path("request_counts").toString()).isEqualTo("{\"total\":6,\"completed\":3,\"failed\":3}");
      assertThat(customIds(content(sim, done.path("output_file_id")))).containsExactly("c0", "c1", "c2");
      List<JsonNode> errors = content(sim, done.path("error_file_id"));
      assertThat(customIds(errors)).containsExactly("c3", "c4", "c5");
      assertThat(errors.get(0).path("response").isNull()).isTrue();
      assertThat(errors.get(0).path("error").path("code").asText()).isEqualTo("batch_expired");
      assertThat(errors.get(0).path("error").path("message").asText())
          .isEqualTo("This request could not be executed before the completion window expired.");
    }
  }

  /** Cancelled long before its end, no line is done: neither file is written, as OpenAI leaves them out. */
  @Test
  void aCancelledBatchGoesCancellingThenCancelled() throws Exception {
    try (LlmSimulator sim = start(600_000, 0, 1.0)) {
      String id = created(sim, lines(3)).path("id").asText();
      HttpResponse<String> cancel = post(sim, "/batches/" + id + "/cancel", "");
      assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
      assertThat(JSON.readTree(cancel.body()).path("status").asText()).isIn("cancelling", "cancelled");
      JsonNode done = ended(sim, id);
      assertThat(done.path("status").asText()).isEqualTo("cancelled");
      assertThat(done.path("cancelling_at").isNumber()).isTrue();
      assertThat(done.path("cancelled_at").isNumber()).isTrue();
      assertThat(done.path("output_file_id").isNull()).isTrue();
      assertThat(done.path("error_file_id").isNull()).isTrue();
      assertThat(done.path("request_counts").toString()).isEqualTo("{\"total\":3,\"completed\":0,\"failed\":0}");
      assertThat(post(sim, "/batches/" + id + "/cancel", "").statusCode()).isEqualTo(200);
    }
    try (LlmSimulator sim = start(0, 0, 1.0)) {
      String id = ended(sim, created(sim, lines(1)).path("id").asText()).path("id").asText();
      HttpResponse<String> late = post(sim, "/batches/" + id + "/cancel", "");
      assertThat(late.statusCode()).isEqualTo(409);
      assertThat(late.body()).contains("Cannot cancel a batch with status 'completed'");
    }
  }

  @Test
  void batchesAreListedNewestFirstInPages() throws Exception {
    try (LlmSimulator sim = start(600_000, 0, 1.0)) {
      String fileId = uploaded(sim, lines(1));
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(JSON.readTree(createBatch(sim, fileId, "/v1/chat/completions", "24h").body()).path("id").asText());
      }
      JsonNode first = JSON.readTree(get(sim, "/batches?limit=2").body());
      assertThat(first.path("object").asText()).isEqualTo("list");
      assertThat(customIdsOf(first)).containsExactly(ids.get(2), ids.get(1));
      assertThat(first.path("first_id").asText()).isEqualTo(ids.get(2));
      assertThat(first.path("last_id").asText()).isEqualTo(ids.get(1));
      assertThat(first.path("has_more").asBoolean()).isTrue();
      JsonNode second = JSON.readTree(get(sim, "/batches?limit=2&after=" + ids.get(1)).body());
      assertThat(customIdsOf(second)).containsExactly(ids.get(0));
      assertThat(second.path("has_more").asBoolean()).isFalse();
      assertThat(sim.stats().batchesCreated()).isEqualTo(3);
      assertThat(sim.stats().batchLines()).isEqualTo(3);
    }
  }

  private static List<String> customIdsOf(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.path("data").forEach(b -> out.add(b.path("id").asText()));
    return out;
  }

  @Test
  void filesAreStoredReadAndDeleted() throws Exception {
    try (LlmSimulator sim = start(0, 0, 1.0)) {
      String content = lines(2);
      HttpResponse<String> r = upload(sim, "batch", content);
      JsonNode file = JSON.readTree(r.body());
      assertThat(file.path("id").asText()).startsWith("file-");
      assertThat(file.path("object").asText()).isEqualTo("file");
      assertThat(file.path("bytes").asInt()).isEqualTo(content.getBytes(StandardCharsets.UTF_8).length);
      assertThat(file.path("filename").asText()).isEqualTo("requests.jsonl");
      assertThat(file.path("purpose").asText()).isEqualTo("batch");
      String id = file.path("id").asText();
      assertThat(JSON.readTree(get(sim, "/files/" + id).body())).isEqualTo(file);
      HttpResponse<String> raw = get(sim, "/files/" + id + "/content");
      assertThat(raw.body()).isEqualTo(content);
      assertThat(raw.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
      HttpResponse<String> deleted = CLIENT.send(HttpRequest.newBuilder(URI.create(sim.endpoint() + "/files/" + id))
          .DELETE().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(JSON.readTree(deleted.body()).path("deleted").asBoolean()).isTrue();
      HttpResponse<String> gone = get(sim, "/files/" + id);
      assertThat(gone.statusCode()).isEqualTo(404);
      assertThat(JSON.readTree(gone.body()).path("error").path("message").asText()).contains(id);
      assertThat(sim.stats().filesUploaded()).isEqualTo(1);
    }
  }

  @Test
  void badRequestsAreRefusedAsOpenAiRefusesThem() throws Exception {
    try (LlmSimulator sim = start(0, 0, 1.0)) {
      HttpResponse<String> purpose = upload(sim, "fine-tune", lines(1));
      assertThat(purpose.statusCode()).isEqualTo(400);
      assertThat(purpose.body()).contains("'purpose'").contains("fine-tune");
      assertThat(get(sim, "/files/file-nope/content").statusCode()).isEqualTo(404);
      HttpResponse<String> unknown = createBatch(sim, "file-nope", "/v1/chat/completions", "24h");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(JSON.readTree(unknown.body()).path("error").path("message").asText()).contains("file-nope");
      String fileId = uploaded(sim, lines(1));
      HttpResponse<String> endpoint = createBatch(sim, fileId, "/v1/embeddings", "24h");
      assertThat(endpoint.statusCode()).isEqualTo(400);
      assertThat(endpoint.body()).contains("/v1/embeddings");
      HttpResponse<String> window = createBatch(sim, fileId, "/v1/chat/completions", "1h");
      assertThat(window.statusCode()).isEqualTo(400);
      assertThat(window.body()).contains("completion_window");
      assertThat(get(sim, "/batches/batch_nope").statusCode()).isEqualTo(404);
      assertThat(sim.stats().batchesCreated()).isZero();
    }
  }

  @Test
  void badLinesFailTheBatchWithOneErrorEach() throws Exception {
    try (LlmSimulator sim = start(0, 0, 1.0)) {
      String input = line("a", chatBody("sim-model", "one")) + "\n" + "{not json\n"
          + "{\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{}}\n"
          + line("a", chatBody("sim-model", "again")) + "\n";
      JsonNode done = ended(sim, created(sim, input).path("id").asText());
      assertThat(done.path("status").asText()).isEqualTo("failed");
      assertThat(done.path("failed_at").isNumber()).isTrue();
      assertThat(done.path("output_file_id").isNull()).isTrue();
      List<String> codes = new ArrayList<>();
      List<Integer> lines = new ArrayList<>();
      done.path("errors").path("data").forEach(e -> {
        codes.add(e.path("code").asText());
        lines.add(e.path("line").asInt());
        assertThat(e.path("message").asText()).isNotBlank();
      });
      assertThat(codes).containsExactly("invalid_json_line", "missing_required_parameter", "duplicate_custom_id");
      assertThat(lines).containsExactly(2, 3, 4);
      assertThat(sim.stats().batchLines()).isEqualTo(4);
    }
  }
}
