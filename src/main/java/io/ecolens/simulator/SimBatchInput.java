package io.ecolens.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.ecolens.scorer.ScoringItem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A batch's input file, read and judged once when the batch is created: each line's request and
 * what its answer will be, or the errors that fail the whole batch (as OpenAI's validation does).
 */
record SimBatchInput(List<Line> lines, List<LineError> errors) {
  /** What a line is answered with, decided in the online endpoint's order: parse, model, faults. */
  enum Outcome { OK, UNREADABLE, WRONG_MODEL, FAILED }

  /** One request line; {@code request} is null when its body is not a chat request. */
  record Line(int number, String customId, ChatRequest request, List<ScoringItem> items, Outcome outcome) {}

  /** Why the batch fails validation; {@code line} 1-based, or null for the whole file. */
  record LineError(String code, String message, Integer line) {}

  /**
   * Reads {@code content} (JSONL) for a batch on {@code endpoint}. A line fails with a 500 at the
   * batch settings' rate, drawn from {@code seed} and its custom_id, so the draw depends on nothing
   * else (not the line's place, not the other batches).
   */
  static SimBatchInput read(byte[] content, String endpoint, SimCompletions completions, double lineErrorRate,
      long seed) {
    List<Line> lines = new ArrayList<>();
    List<LineError> errors = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    String[] raw = new String(content, StandardCharsets.UTF_8).split("\r?\n", -1);
    for (int i = 0; i < raw.length; i++) {
      int number = i + 1;
      if (raw[i].isBlank()) {
        continue;
      }
      JsonNode line;
      try {
        line = SimAnswers.JSON.readTree(raw[i]);
      } catch (JsonProcessingException e) {
        line = null;
      }
      if (line == null || !line.isObject()) {
        errors.add(new LineError("invalid_json_line", "This line is not parseable as valid JSON.", number));
        continue;
      }
      JsonNode customId = line.get("custom_id");
      if (customId == null || !customId.isTextual() || customId.asText().isEmpty()) {
        errors.add(new LineError("missing_required_parameter", "Missing required parameter: 'custom_id'.", number));
        continue;
      }
      if (!ids.add(customId.asText())) {
        errors.add(new LineError("duplicate_custom_id", "The custom_id for this request is a duplicate of another "
            + "request. The custom_id parameter must be unique for each request in a batch.", number));
        continue;
      }
      if (!"POST".equals(line.path("method").asText())) {
        errors.add(new LineError("invalid_method", "The method of this request must be 'POST', not '"
            + line.path("method").asText() + "'.", number));
        continue;
      }
      if (!endpoint.equals(line.path("url").asText())) {
        errors.add(new LineError("invalid_url", "The url of this request must be the batch's endpoint '" + endpoint
            + "', not '" + line.path("url").asText() + "'.", number));
        continue;
      }
      if (!line.has("body")) {
        errors.add(new LineError("missing_required_parameter", "Missing required parameter: 'body'.", number));
        continue;
      }
      lines.add(line(number, customId.asText(), line.get("body"), completions, lineErrorRate, seed));
    }
    if (lines.isEmpty() && errors.isEmpty()) {
      errors.add(new LineError("empty_file", "The input file has no request lines.", null));
    }
    return new SimBatchInput(List.copyOf(lines), List.copyOf(errors));
  }

  private static Line line(int number, String customId, JsonNode body, SimCompletions completions,
      double lineErrorRate, long seed) {
    ChatRequest request;
    try (InputStream in = new ByteArrayInputStream(SimAnswers.JSON.writeValueAsBytes(body))) {
      request = ChatRequest.read(in);
    } catch (IOException e) {
      return new Line(number, customId, null, List.of(), Outcome.UNREADABLE);
    }
    List<ScoringItem> items = request.scoringItems();
    Outcome outcome;
    if (completions.wrongModel(request) != null) {
      outcome = Outcome.WRONG_MODEL;
    } else if (new SplittableRandom(seed ^ SimCounters.fingerprint(customId)).nextDouble() < lineErrorRate) {
      outcome = Outcome.FAILED;
    } else {
      outcome = Outcome.OK;
    }
    return new Line(number, customId, request, items, outcome);
  }

  /** The items of all lines whose body is a chat request. */
  long items() {
    return lines.stream().mapToLong(l -> l.items().size()).sum();
  }
}
