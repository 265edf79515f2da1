package io.ecolens.scorer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.LongConsumer;

/**
 * Scores one partition in batches, lazily (one batch in memory at a time). A batch that throws
 * is retried item by item, and an item that still throws becomes error rows with the reason:
 * one bad row never fails the task.
 */
public final class PartitionScorer implements Iterator<ScoreRow> {
  private final Iterator<ScoringItem> items;
  private final Scorer scorer;
  private final List<String> categories;
  private final int batchSize;
  private final LongConsumer itemsDone;
  private Iterator<ScoreRow> current = java.util.Collections.emptyIterator();

  public PartitionScorer(Iterator<ScoringItem> items, Scorer scorer, List<String> categories, int batchSize,
      LongConsumer itemsDone) {
    this.items = items;
    this.scorer = scorer;
    this.categories = List.copyOf(categories);
    this.batchSize = batchSize;
    this.itemsDone = itemsDone;
  }

  @Override
  public boolean hasNext() {
    while (!current.hasNext() && items.hasNext()) {
      List<ScoringItem> batch = new ArrayList<>(batchSize);
      while (batch.size() < batchSize && items.hasNext()) {
        batch.add(items.next());
      }
      current = scoreBatch(batch).iterator();
      itemsDone.accept(batch.size());
    }
    return current.hasNext();
  }

  @Override
  public ScoreRow next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return current.next();
  }

  List<ScoreRow> scoreBatch(List<ScoringItem> batch) {
    try {
      return toRows(batch, scorer.score(batch));
    } catch (RuntimeException batchFailure) {
      List<ScoreRow> rows = new ArrayList<>();
      for (ScoringItem item : batch) {
        try {
          rows.addAll(toRows(List.of(item), scorer.score(List.of(item))));
        } catch (RuntimeException itemFailure) {
          String reason = itemFailure.getClass().getSimpleName() + ": " + itemFailure.getMessage();
          for (String category : categories) {
            rows.add(ScoreRow.of(item, CategoryScore.failed(item.getContentId(), category, reason, 2)));
          }
        }
      }
      return rows;
    }
  }

  private List<ScoreRow> toRows(List<ScoringItem> batch, List<CategoryScore> scores) {
    java.util.Map<String, ScoringItem> byId = new java.util.HashMap<>();
    for (ScoringItem item : batch) {
      byId.put(item.getContentId(), item);
    }
    List<ScoreRow> rows = new ArrayList<>(scores.size());
    java.util.Set<String> answered = new java.util.HashSet<>();
    for (CategoryScore s : scores) {
      ScoringItem item = byId.get(s.contentId());
      if (item != null && answered.add(s.contentId() + "\u001f" + s.category())) {
        rows.add(ScoreRow.of(item, s));
      }
    }
    // A scorer that skipped an item x category leaves a gap; fill it with an error row, never a drop.
    for (ScoringItem item : batch) {
      for (String category : categories) {
        if (!answered.contains(item.getContentId() + "\u001f" + category)) {
          rows.add(ScoreRow.of(item, CategoryScore.failed(item.getContentId(), category,
              "scorer returned no result for this item and category", 1)));
        }
      }
    }
    return rows;
  }
}
