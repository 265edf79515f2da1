package io.ecolens.scorer;

import java.util.List;

/** One item's verdicts, one per policy category (each with an error when the item failed). */
public record Scored(ScoringItem item, List<CategoryScore> scores) {}
