package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The shape of the human labels: {@code input.labels.layout}. */
public enum LabelLayout implements Choice {
  LONG("long"),
  WIDE("wide");

  private final String id;

  LabelLayout(String id) {
    this.id = id;
  }

  @JsonCreator
  public static LabelLayout of(String id) {
    return Choice.parse(LabelLayout.class, id);
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
