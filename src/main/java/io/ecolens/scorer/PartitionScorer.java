package io.ecolens.scorer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.NoSuchElementException;
import java.util.function.LongConsumer;

/**
 * Scores one partition in batches, lazily (one batch in memory at a time). A batch that throws
 * is retried item by item, and an item that still throws becomes error rows with the reason:
 * one bad row never fails the task. The default {@link Scorer#scorePartition}.
 */
public final class PartitionScorer implements Iterator<Scored> {
  private final Iterator<ScoringItem> items;
  private final Scorer scorer;
  private final List<String> categories;
  private final int batchSize;
  private final LongConsumer itemsDone;
  private Iterator<Scored> current = java.util.Collections.emptyIterator();

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
  public Scored next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return current.next();
  }

  List<Scored> scoreBatch(List<ScoringItem> batch) {
    try {
      return byItem(batch, scorer.score(batch));
    } catch (RuntimeException batchFailure) {
      List<Scored> scored = new ArrayList<>();
      for (ScoringItem item : batch) {
        try {
          scored.addAll(byItem(List.of(item), scorer.score(List.of(item))));
        } catch (RuntimeException itemFailure) {
          String reason = itemFailure.getClass().getSimpleName() + ": " + itemFailure.getMessage();
          List<CategoryScore> failed = new ArrayList<>(categories.size());
          for (String category : categories) {
            failed.add(CategoryScore.failed(item.getContentId(), category, reason, 2));
          }
          scored.add(new Scored(item, failed));
        }
      }
      return scored;
    }
  }

  /** The batch's verdicts grouped by item, in the batch's order, one per category. */
  private List<Scored> byItem(List<ScoringItem> batch, List<CategoryScore> scores) {
    Map<String, List<CategoryScore>> byId = new LinkedHashMap<>();
    for (ScoringItem item : batch) {
      byId.put(item.getContentId(), new ArrayList<>(categories.size()));
    }
    Set<String> answered = new HashSet<>();
    for (CategoryScore s : scores) {
      List<CategoryScore> mine = byId.get(s.contentId());
      if (mine != null && answered.add(s.contentId() + "\u001f" + s.category())) {
        mine.add(s);
      }
    }
    // A scorer that skipped an item x category leaves a gap; fill it with an error row, never a drop.
    List<Scored> scored = new ArrayList<>(batch.size());
    for (ScoringItem item : batch) {
      List<CategoryScore> mine = byId.remove(item.getContentId());
      if (mine == null) {
        continue; // the same item twice in a batch is scored once
      }
      for (String category : categories) {
        if (!answered.contains(item.getContentId() + "\u001f" + category)) {
          mine.add(CategoryScore.failed(item.getContentId(), category,
              "scorer returned no result for this item and category", 1));
        }
      }
      scored.add(new Scored(item, mine));
    }
    return scored;
  }
}
