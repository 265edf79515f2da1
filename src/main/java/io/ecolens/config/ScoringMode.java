package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How the {@code openai} scorer sends its requests: {@code score.openai.mode}. {@code online}: as
 * chat-completions requests, many in flight; {@code batch}: the same requests as JSONL files
 * through the provider's Batch API, answered within its completion window at its batch price.
 */
public enum ScoringMode implements Choice {
  ONLINE("online"),
  BATCH("batch");

  private final String id;

  ScoringMode(String id) {
    this.id = id;
  }

  @JsonCreator
  public static ScoringMode of(String id) {
    return Choice.parse(ScoringMode.class, id);
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
