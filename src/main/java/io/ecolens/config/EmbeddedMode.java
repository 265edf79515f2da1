package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How the embedded scorer decides: {@code score.embedded.mode}. */
public enum EmbeddedMode implements Choice {
  AUTO("auto"),
  ZERO_SHOT("zero-shot"),
  TRAINED("trained");

  private final String id;

  EmbeddedMode(String id) {
    this.id = id;
  }

  @JsonCreator
  public static EmbeddedMode of(String id) {
    return Choice.parse(EmbeddedMode.class, id);
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
