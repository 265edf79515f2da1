package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How the embedded scorer decides: {@code score.embedded.mode}. {@code auto}: a category's trained
 * head when saved, else its calibrated zero-shot, else the policy's zero-shot; {@code zero-shot}:
 * the policy's; {@code calibrated}: zero-shot with the similarity scale, centre and threshold
 * {@code train} fitted to the labels (few labels suffice); {@code trained}: the heads.
 */
public enum EmbeddedMode implements Choice {
  AUTO("auto"),
  ZERO_SHOT("zero-shot"),
  CALIBRATED("calibrated"),
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
