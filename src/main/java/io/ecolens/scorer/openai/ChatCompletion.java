package io.ecolens.scorer.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * What ecolens reads from a chat-completions answer: the first choice's message content and the
 * token usage, picked out in one streaming pass (the rest is skipped unread). An answer that is not
 * JSON, or has no content, gives a null content and zero tokens.
 */
record ChatCompletion(String content, long promptTokens, long completionTokens) {
  private static final ChatCompletion UNREADABLE = new ChatCompletion(null, 0, 0);

  static ChatCompletion parse(String body) {
    if (body == null) {
      return UNREADABLE;
    }
    String content = null;
    long prompt = 0;
    long completion = 0;
    try (JsonParser p = PromptBuilder.JSON.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return UNREADABLE;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("choices") && value == JsonToken.START_ARRAY) {
          boolean first = true;
          while (p.nextToken() != JsonToken.END_ARRAY) {
            if (first && p.currentToken() == JsonToken.START_OBJECT) {
              content = firstChoiceContent(p);
            } else {
              p.skipChildren();
            }
            first = false;
          }
        } else if (field.equals("usage") && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            if (f.equals("prompt_tokens") && v.isNumeric()) {
              prompt = p.getValueAsLong();
            } else if (f.equals("completion_tokens") && v.isNumeric()) {
              completion = p.getValueAsLong();
            } else {
              p.skipChildren();
            }
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (Exception unreadable) {
      return UNREADABLE;
    }
    return new ChatCompletion(content, prompt, completion);
  }

  /** The parser is at the choice's START_OBJECT; leaves it at its END_OBJECT. */
  private static String firstChoiceContent(JsonParser p) throws java.io.IOException {
    String content = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (field.equals("message") && value == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken v = p.nextToken();
          if (f.equals("content") && v == JsonToken.VALUE_STRING) {
            content = p.getText();
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return content;
  }
}
