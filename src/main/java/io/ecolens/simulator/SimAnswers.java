package io.ecolens.simulator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ecolens.scorer.ScoringItem;
import java.io.IOException;
import java.io.StringWriter;
import java.util.List;

/** The bodies the simulator answers with, as an OpenAI-compatible server writes them. */
final class SimAnswers {
  static final ObjectMapper JSON = new ObjectMapper();

  private SimAnswers() {}

  /** The answer's content: {"items":[{"id","scores":[{"category","score","rationale"}]}]}. */
  static String verdicts(List<ScoringItem> batch, SimulatedVerdicts verdicts) {
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

  /** Content no ecolens parser can use: the prose a model that ignores the answer schema writes. */
  static String unusable(int items) {
    return "I have looked at the " + items + " item(s). They seem mostly fine to me, although some of them might "
        + "be a little borderline. Let me know if you would like a closer look at any of them.";
  }

  /** A chat.completion holding {@code content}, with its token usage. */
  static byte[] completion(String id, String model, String content, long promptTokens, long completionTokens) {
    ByteArrayBuilder out = new ByteArrayBuilder(content.length() + 300);
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("id", id);
      g.writeStringField("object", "chat.completion");
      g.writeNumberField("created", System.currentTimeMillis() / 1000);
      g.writeStringField("model", model);
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
      g.writeNumberField("prompt_tokens", promptTokens);
      g.writeNumberField("completion_tokens", completionTokens);
      g.writeNumberField("total_tokens", promptTokens + completionTokens);
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("cannot write a completion", e);
    }
    return out.toByteArray();
  }

  /** The {@code /v1/models} list: the one model served. */
  static String models(String model) {
    ObjectNode list = JSON.createObjectNode().put("object", "list");
    list.putArray("data").addObject().put("id", model).put("object", "model")
        .put("owned_by", "ecolens-simulator");
    return list.toString();
  }

  /** An OpenAI error body. */
  static String error(String message, String code) {
    ObjectNode root = JSON.createObjectNode();
    root.putObject("error").put("message", message).put("type", code).put("code", code);
    return root.toString();
  }
}
