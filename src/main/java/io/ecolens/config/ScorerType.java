package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The judge that scores items: {@code score.scorer} and the steps of a cascade. */
public enum ScorerType implements Choice {
  RULES("rules"),
  EMBEDDED("embedded"),
  CASCADE("cascade"),
  OPENAI("openai");

  private final String id;

  ScorerType(String id) {
    this.id = id;
  }

  /** True when a scorer of {@code type} (with these cascade steps) runs the embedded scorer. */
  public static boolean usesEmbedded(ScorerType type, ScorerType first, ScorerType second) {
    return type == EMBEDDED || (type == CASCADE && (first == EMBEDDED || second == EMBEDDED));
  }

  @JsonCreator
  public static ScorerType of(String id) {
    return Choice.parse(ScorerType.class, id);
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
