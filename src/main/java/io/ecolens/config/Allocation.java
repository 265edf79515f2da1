package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How the sample size is shared out over strata: {@code sample.allocation}. */
public enum Allocation implements Choice {
  PROPORTIONAL("proportional"),
  EQUAL("equal"),
  NEYMAN("neyman"),
  FIXED("fixed");

  private final String id;

  Allocation(String id) {
    this.id = id;
  }

  @JsonCreator
  public static Allocation of(String id) {
    return Choice.parse(Allocation.class, id);
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
