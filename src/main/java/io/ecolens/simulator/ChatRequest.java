package io.ecolens.simulator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.openai.PromptBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What the simulator needs from a chat-completions request, read in one streaming pass: the model,
 * the last user message and the characters of all message contents (for the token count). Any
 * other field is skipped unread.
 */
record ChatRequest(String model, String user, long contentChars) {
  private static final JsonFactory JSON = new JsonFactory();

  /** Reads a request body; an IOException when it is not a JSON object. */
  static ChatRequest read(InputStream in) throws IOException {
    String model = "";
    String user = "";
    long chars = 0;
    try (JsonParser p = JSON.createParser(in)) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("model") && value.isScalarValue()) {
          model = p.getText();
        } else if (field.equals("messages") && value == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            String role = null;
            String content = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              JsonToken v = p.nextToken();
              if (f.equals("role") && v == JsonToken.VALUE_STRING) {
                role = p.getText();
              } else if (f.equals("content") && v == JsonToken.VALUE_STRING) {
                content = p.getText();
              } else {
                p.skipChildren();
              }
            }
            if (content != null) {
              chars += content.length();
              if ("user".equals(role)) {
                user = content;
              }
            }
          }
        } else {
          p.skipChildren();
        }
      }
    }
    return new ChatRequest(model, user, chars);
  }

  /** The items of an ecolens prompt in the last user message, or the whole message as item "1". */
  List<ScoringItem> scoringItems() {
    int begin = user.indexOf(PromptBuilder.BEGIN + "\n");
    int end = user.lastIndexOf("\n" + PromptBuilder.END);
    if (begin >= 0 && end > begin) {
      try {
        return items(user.substring(begin + PromptBuilder.BEGIN.length() + 1, end));
      } catch (IOException notOurs) {
        // not the ecolens layout after all: score the whole message
      }
    }
    return List.of(new ScoringItem("1", null, null, user, null, List.of()));
  }

  /** The ecolens item array ({@code [{"id","title","description","transcript","hashtags"}]}). */
  static List<ScoringItem> items(String array) throws IOException {
    List<ScoringItem> out = new ArrayList<>();
    try (JsonParser p = JSON.createParser(array)) {
      expect(p, p.nextToken(), JsonToken.START_ARRAY);
      while (p.nextToken() == JsonToken.START_OBJECT) {
        String id = "";
        String title = null;
        String description = null;
        String transcript = null;
        List<String> tags = new ArrayList<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken v = p.nextToken();
          if (f.equals("hashtags") && v == JsonToken.START_ARRAY) {
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
              if (t.isScalarValue()) {
                tags.add(p.getText());
              } else {
                p.skipChildren();
              }
            }
          } else if (v.isScalarValue() && v != JsonToken.VALUE_NULL) {
            switch (f) {
              case "id" -> id = p.getText();
              case "title" -> title = p.getText();
              case "description" -> description = p.getText();
              case "transcript" -> transcript = p.getText();
              default -> { }
            }
          } else {
            p.skipChildren();
          }
        }
        out.add(new ScoringItem(id, null, title, description, transcript, tags));
      }
      expect(p, p.currentToken(), JsonToken.END_ARRAY);
    }
    return out;
  }

  private static void expect(JsonParser p, JsonToken actual, JsonToken expected) throws JsonParseException {
    if (actual != expected) {
      throw new JsonParseException(p, "expected " + expected + ", found " + actual);
    }
  }
}
