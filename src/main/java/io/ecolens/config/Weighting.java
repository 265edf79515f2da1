package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What an item's chance of being sampled is proportional to: {@code sample.weighting}. */
public enum Weighting implements Choice {
  ITEMS("items"),
  VIEWS("views");

  private final String id;

  Weighting(String id) {
    this.id = id;
  }

  @JsonCreator
  public static Weighting of(String id) {
    return Choice.parse(Weighting.class, id);
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
