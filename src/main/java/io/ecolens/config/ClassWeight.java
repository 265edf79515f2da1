package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How {@code train} weighs labelled items: {@code score.embedded.train.class-weight}. {@code balanced}
 * weighs each class by items / (2 x the class's items); {@code none} weighs every item 1.
 */
public enum ClassWeight implements Choice {
  BALANCED("balanced"),
  NONE("none");

  private final String id;

  ClassWeight(String id) {
    this.id = id;
  }

  @JsonCreator
  public static ClassWeight of(String id) {
    return Choice.parse(ClassWeight.class, id);
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
