package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How the LLM is asked for structured output: {@code score.openai.response-format}. */
public enum ResponseFormat implements Choice {
  JSON_SCHEMA("json_schema"),
  JSON_OBJECT("json_object"),
  NONE("none");

  private final String id;

  ResponseFormat(String id) {
    this.id = id;
  }

  @JsonCreator
  public static ResponseFormat of(String id) {
    return Choice.parse(ResponseFormat.class, id);
  }

  @Override
  @JsonValue
  public String id() {
    return id;
  }

  @Override
  public String toString() {
    return id;
  }
}
