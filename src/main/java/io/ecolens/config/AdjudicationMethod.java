package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How several annotators' labels become one: {@code evaluate.adjudication}. */
public enum AdjudicationMethod implements Choice {
  MAJORITY("majority"),
  UNANIMITY("unanimity"),
  DAWID_SKENE("dawid-skene");

  private final String id;

  AdjudicationMethod(String id) {
    this.id = id;
  }

  @JsonCreator
  public static AdjudicationMethod of(String id) {
    return Choice.parse(AdjudicationMethod.class, id);
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
