package io.ecolens.scorer.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ecolens.EcolensException;
import io.ecolens.config.OpenAiSettings;
import io.ecolens.config.ScoringMode;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.ScoringItem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Batch request lines, their files within the provider's limits, and what each kind of answer line means. */
class BatchRequestsTest {
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
  private static final ObjectMapper JSON = new ObjectMapper();

  private static OpenAiSettings settings(int maxRequests, int maxMb, int maxAttempts) {
    OpenAiSettings d = OpenAiSettings.defaults();
    return new OpenAiSettings(d.endpoint(), d.model(), d.apiKeyEnv(), d.timeoutMs(), maxAttempts, d.maxConcurrency(),
        0, 0, 4, 2.0, 8.0, 0.0, d.maxOutputTokens(), d.responseFormat(), d.commitEvery(), 0, null, null, null,
        ScoringMode.BATCH, 0.5, "none", 1, maxRequests, maxMb);
  }

  private static List<ScoringItem> items(int n, int chars) {
    return IntStream.range(0, n).mapToObj(i -> new ScoringItem("c" + i, "h" + i, "title " + i, "x".repeat(chars),
        null, List.of("tag"))).toList();
  }

  @Test
  void eachLineIsTheOnlineRequestUnderAKeyOfItsItems() throws Exception {
    OpenAiSettings s = settings(50_000, 200, 6);
    BatchRequests render = new BatchRequests(s, POLICY);
    List<ScoringItem> items = items(10, 20);
    List<BatchRequests.Request> requests = render.requests(items, false);
    assertThat(requests).hasSize(3);
    assertThat(requests.get(2).items()).hasSize(2);
    JsonNode line = JSON.readTree(new String(requests.get(0).line(), StandardCharsets.UTF_8));
    assertThat(line.path("method").asText()).isEqualTo("POST");
    assertThat(line.path("url").asText()).isEqualTo("/v1/chat/completions");
    assertThat(line.path("body")).isEqualTo(JSON.readTree(new PromptBuilder(POLICY).requestBytes(s, items.subList(0, 4))));
    assertThat(requests.get(0).customId()).isEqualTo(render.requests(items, false).get(0).customId());
    List<ScoringItem> changed = new ArrayList<>(items);
    changed.set(0, new ScoringItem("c0", "h0-edited", "title 0", "y", null, List.of()));
    assertThat(render.requests(changed, false).get(0).customId()).as("the key covers the content hash")
        .isNotEqualTo(requests.get(0).customId());
    assertThat(render.requests(items, true)).hasSize(10);
  }

  @Test
  void filesKeepWithinTheRequestAndByteLimits() {
    List<ScoringItem> items = items(2_000, 1_500); // about 6-7 KB per 4-item request line
    BatchRequests byCount = new BatchRequests(settings(120, 200, 6), POLICY);
    List<List<BatchRequests.Request>> counted = byCount.files(byCount.requests(items, false));
    assertThat(counted).hasSize(5); // 500 requests
    assertThat(counted).allSatisfy(f -> assertThat(f.size()).isLessThanOrEqualTo(120));

    BatchRequests byBytes = new BatchRequests(settings(50_000, 1, 6), POLICY);
    List<BatchRequests.Request> requests = byBytes.requests(items, false);
    List<List<BatchRequests.Request>> sized = byBytes.files(requests);
    long total = requests.stream().mapToLong(r -> r.line().length).sum();
    assertThat(sized).hasSizeGreaterThanOrEqualTo((int) (total / (1 << 20)) + 1);
    assertThat(sized).allSatisfy(f -> assertThat(BatchRequests.jsonl(f).length).isLessThanOrEqualTo(1 << 20));
    assertThat(sized.stream().mapToInt(List::size).sum()).isEqualTo(requests.size());
  }

  private static JsonNode answer(String customId, int status, String body) throws Exception {
    return JSON.readTree("{\"id\":\"r\",\"custom_id\":\"" + customId + "\",\"response\":{\"status_code\":" + status
        + ",\"body\":" + body + "},\"error\":null}");
  }

  private static String completion(String content) {
    com.fasterxml.jackson.databind.node.ObjectNode c = JSON.createObjectNode().put("object", "chat.completion");
    c.putArray("choices").addObject().putObject("message").put("role", "assistant").put("content", content);
    c.putObject("usage").put("prompt_tokens", 400).put("completion_tokens", 100);
    return c.toString();
  }

  private static String verdicts(int... ids) {
    StringBuilder s = new StringBuilder("{\"items\":[");
    for (int i = 0; i < ids.length; i++) {
      s.append(i == 0 ? "" : ",").append("{\"id\":\"").append(ids[i]).append("\",\"scores\":[");
      for (int k = 0; k < POLICY.categories().size(); k++) {
        s.append(k == 0 ? "" : ",").append("{\"category\":\"").append(POLICY.categories().get(k).id())
            .append("\",\"score\":0.9,\"rationale\":\"r\"}");
      }
      s.append("]}");
    }
    return s.append("]}").toString();
  }

  @Test
  void answerLinesScoreRetryOrFailAsOnline() throws Exception {
    OpenAiSettings s = settings(50_000, 200, 3);
    BatchRequests render = new BatchRequests(s, POLICY);
    BatchRequests.Request request = render.requests(items(4, 10), false).get(0);
    int categories = POLICY.categories().size();

    // a valid answer for items 1, 2 and 4: their rows at half the price; item 3 again, alone
    BatchRequests.Outcome partial = render.read(answer(request.customId(), 200, completion(verdicts(1, 2, 4))), request, 1);
    assertThat(partial.rows()).hasSize(3 * categories).allSatisfy(r -> assertThat(r.error()).isNull());
    assertThat(partial.again()).extracting(ScoringItem::getContentId).containsExactly("c2");
    assertThat(partial.alone()).isTrue();
    long in = partial.rows().stream().mapToLong(CategoryScore::inputTokens).sum();
    long out = partial.rows().stream().mapToLong(CategoryScore::outputTokens).sum();
    assertThat(partial.rows().stream().mapToDouble(CategoryScore::costUsd).sum())
        .isCloseTo(s.cost(in, out) * 0.5, org.assertj.core.data.Offset.offset(1e-15));
    // the same on the last attempt: item 3 fails with the reason
    BatchRequests.Outcome last = render.read(answer(request.customId(), 200, completion(verdicts(1, 2, 4))), request, 3);
    assertThat(last.again()).isEmpty();
    assertThat(last.rows()).filteredOn(r -> r.error() != null).hasSize(categories)
        .allSatisfy(r -> assertThat(r.error()).contains("item missing").contains("after 3 attempts"));

    String error = "{\"error\":{\"message\":\"boom\",\"code\":\"server_error\"}}";
    assertThat(render.read(answer(request.customId(), 500, error), request, 1).again()).hasSize(4);
    BatchRequests.Outcome tooLong = render.read(answer(request.customId(), 400, error), request, 1);
    assertThat(tooLong.again()).hasSize(4);
    assertThat(tooLong.alone()).as("a 400 sends each item alone").isTrue();
    BatchRequests.Request single = render.requests(items(1, 10), true).get(0);
    BatchRequests.Outcome refused = render.read(answer(single.customId(), 400, error), single, 1);
    assertThat(refused.rows()).hasSize(categories).allSatisfy(r -> assertThat(r.error()).startsWith("HTTP 400"));

    JsonNode expired = JSON.readTree("{\"custom_id\":\"" + request.customId() + "\",\"response\":null,\"error\":"
        + "{\"code\":\"batch_expired\",\"message\":\"not done in time\"}}");
    assertThat(render.read(expired, request, 1).again()).hasSize(4);
    assertThat(render.read(expired, request, 3).rows()).hasSize(4 * categories)
        .allSatisfy(r -> assertThat(r.error()).contains("batch_expired").contains("after 3 attempts"));

    String unknownModel = "{\"error\":{\"message\":\"The model 'x' does not exist\",\"code\":\"model_not_found\"}}";
    assertThatThrownBy(() -> render.read(answer(request.customId(), 404, unknownModel), request, 1))
        .isInstanceOf(EcolensException.class).hasMessageContaining("score.openai.model");
  }
}
