package io.ecolens.simulator;

import io.ecolens.scorer.ScoringItem;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The answer to a chat request, the same online ({@code /v1/chat/completions}) and in a batch line:
 * the model check, the content ({@link LlmSimulator.Answers}) and the token count. Counting what was
 * answered is left to the caller, as online and batch requests are counted apart.
 */
final class SimCompletions {
  /** A chat.completion body with the tokens its usage reports. */
  record Completion(byte[] body, long promptTokens, long completionTokens) {}

  private final String model;
  private final LlmSimulator.Answers answers;
  private final SimulatedVerdicts verdicts;
  private final AtomicLong ids = new AtomicLong();

  SimCompletions(LlmSimulator.Settings settings, SimulatedVerdicts verdicts) {
    this.model = settings.model();
    this.answers = settings.answers();
    this.verdicts = verdicts;
  }

  /** The 404 body when {@code request} names a model that is not served, else null. */
  String wrongModel(ChatRequest request) {
    if (model.equals(request.model())) {
      return null;
    }
    return SimAnswers.error("The model '" + request.model() + "' does not exist", "model_not_found");
  }

  /** The 400 body of a request that is not a JSON object. */
  static String unreadable() {
    return SimAnswers.error("request body is not JSON", "invalid_request_error");
  }

  /** Whether every answer is prose instead of verdicts ({@link LlmSimulator.Answers#UNUSABLE}). */
  boolean unusable() {
    return answers == LlmSimulator.Answers.UNUSABLE;
  }

  /** The answer to a request of a served model whose items are {@code items}. */
  Completion answer(ChatRequest request, List<ScoringItem> items) {
    String content = unusable() ? SimAnswers.unusable(items.size()) : SimAnswers.verdicts(items, verdicts);
    return completion(content, request);
  }

  /** The verdicts' content for {@code items}, whatever the answers setting (for malformed answers). */
  String verdicts(List<ScoringItem> items) {
    return SimAnswers.verdicts(items, verdicts);
  }

  /** A completion of {@code content}, its tokens counted: a quarter of the characters, rounded up. */
  Completion completion(String content, ChatRequest request) {
    long prompt = (request.contentChars() + 3) / 4;
    long completion = (content.length() + 3) / 4;
    byte[] body = SimAnswers.completion("chatcmpl-sim-" + ids.incrementAndGet(), model, content, prompt,
        completion);
    return new Completion(body, prompt, completion);
  }
}
