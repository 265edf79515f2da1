package io.ecolens.tables;

/** Identifies one figure of a run in {@code metrics}: report, metric, category and slice. */
public record FigureKey(String report, String metric, String category, String sliceKey, String sliceValue) {

  public FigureKey {
    category = category == null ? "" : category;
  }
}
