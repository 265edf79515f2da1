package io.ecolens.scorer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates a model's answer for one request. Every requested item must come back once with one
 * finite score in 0..1 per policy category; items that do not are reported with the reason, so
 * the caller can retry them alone. Anything the model adds (unknown ids) is ignored.
 */
final class AnswerParser {
  private static final int MAX_RATIONALE = 300;

  /** One category verdict. */
  record Verdict(String category, double score, String rationale) {}

  /** The valid items (by request id) and the reason each invalid one failed. */
  record Answer(Map<String, List<Verdict>> valid, Map<String, String> invalid) {}

  private AnswerParser() {}

  static Answer parse(String content, int itemCount, List<String> categories) {
    Map<String, List<Verdict>> valid = new LinkedHashMap<>();
    Map<String, String> invalid = new LinkedHashMap<>();
    JsonNode root;
    try {
      root = content == null ? null : PromptBuilder.JSON.readTree(stripFences(content));
    } catch (Exception e) {
      root = null;
    }
    JsonNode items = root == null ? null : root.get("items");
    if (items == null || !items.isArray()) {
      for (int i = 1; i <= itemCount; i++) {
        invalid.put(String.valueOf(i), "malformed answer: not a JSON object with an 'items' array");
      }
      return new Answer(valid, invalid);
    }
    Map<String, JsonNode> byId = new HashMap<>();
    for (JsonNode item : items) {
      JsonNode id = item.get("id");
      if (id != null && id.isValueNode()) {
        byId.putIfAbsent(id.asText(), item);
      }
    }
    for (int i = 1; i <= itemCount; i++) {
      String id = String.valueOf(i);
      JsonNode item = byId.get(id);
      if (item == null) {
        invalid.put(id, "malformed answer: item missing from the answer");
        continue;
      }
      String problem = null;
      Map<String, Verdict> verdicts = new LinkedHashMap<>();
      JsonNode scores = item.get("scores");
      if (scores == null || !scores.isArray()) {
        problem = "malformed answer: item has no 'scores' array";
      } else {
        for (JsonNode s : scores) {
          String category = s.path("category").asText("");
          JsonNode score = s.get("score");
          if (!categories.contains(category) || score == null || !score.isNumber()) {
            problem = "malformed answer: bad score entry " + abbreviate(s.toString());
            break;
          }
          double value = score.asDouble();
          if (!Double.isFinite(value) || value < 0 || value > 1) {
            problem = "malformed answer: score " + value + " for " + category + " is outside 0..1";
            break;
          }
          verdicts.putIfAbsent(category, new Verdict(category, value, abbreviate(s.path("rationale").asText(""))));
        }
        if (problem == null && verdicts.size() != categories.size()) {
          problem = "malformed answer: " + (categories.size() - verdicts.size()) + " categories missing";
        }
      }
      if (problem == null) {
        valid.put(id, categories.stream().map(verdicts::get).toList());
      } else {
        invalid.put(id, problem);
      }
    }
    return new Answer(valid, invalid);
  }

  /** Some servers wrap JSON in a markdown code fence even when asked not to. */
  private static String stripFences(String content) {
    String s = content.strip();
    if (s.startsWith("```")) {
      int nl = s.indexOf('\n');
      int end = s.lastIndexOf("```");
      if (nl > 0 && end > nl) {
        return s.substring(nl + 1, end);
      }
    }
    return s;
  }

  private static String abbreviate(String s) {
    return s.length() <= MAX_RATIONALE ? s : s.substring(0, MAX_RATIONALE - 3) + "...";
  }
}
