package io.ecolens.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PartitionScorerTest {
  /** Fails any batch that holds the item "poison"; answers nothing for item "silent". */
  private static final class FlakyScorer implements Scorer {
    final List<Integer> batchSizes = new ArrayList<>();

    @Override
    public String type() {
      return "test";
    }

    @Override
    public String model() {
      return "test";
    }

    @Override
    public List<CategoryScore> score(List<ScoringItem> items) {
      batchSizes.add(items.size());
      List<CategoryScore> out = new ArrayList<>();
      for (ScoringItem item : items) {
        if (item.getContentId().equals("poison")) {
          throw new IllegalStateException("cannot parse answer");
        }
        if (!item.getContentId().equals("silent")) {
          out.add(CategoryScore.local(item.getContentId(), "spam", 0.9, 0.5, "r", 1.0));
        }
      }
      return out;
    }
  }

  private static List<ScoringItem> items(String... ids) {
    List<ScoringItem> items = new ArrayList<>();
    for (String id : ids) {
      items.add(new ScoringItem(id, "h-" + id, "t", null, null, null));
    }
    return items;
  }

  @Test
  void aBadItemBecomesErrorRowsAndTheRestOfItsBatchIsScored() {
    FlakyScorer scorer = new FlakyScorer();
    AtomicLong done = new AtomicLong();
    List<ScoreRow> rows = new ArrayList<>();
    ScoreRow.rowsOf(new PartitionScorer(items("a", "poison", "b", "c").iterator(), scorer, List.of("spam"), 3,
        done::addAndGet)).forEachRemaining(rows::add);

    assertThat(rows).extracting(ScoreRow::getContentId).containsExactlyInAnyOrder("a", "poison", "b", "c");
    ScoreRow poison = rows.stream().filter(r -> r.getContentId().equals("poison")).findFirst().orElseThrow();
    assertThat(poison.getStatus()).isEqualTo("error");
    assertThat(poison.getError()).isEqualTo("IllegalStateException: cannot parse answer");
    assertThat(poison.getLabel()).isNull();
    assertThat(rows).filteredOn(r -> !r.getContentId().equals("poison")).allMatch(r -> r.getStatus().equals("ok"));
    assertThat(done.get()).isEqualTo(4);
    // batch of 3 failed, retried one by one (3 calls), then the last batch of 1
    assertThat(scorer.batchSizes).containsExactly(3, 1, 1, 1, 1);
  }

  @Test
  void aMissingAnswerIsAnErrorRowNotADrop() {
    List<ScoreRow> rows = new ArrayList<>();
    ScoreRow.rowsOf(new PartitionScorer(items("a", "silent").iterator(), new FlakyScorer(), List.of("spam"), 10,
        n -> {})).forEachRemaining(rows::add);
    ScoreRow silent = rows.stream().filter(r -> r.getContentId().equals("silent")).findFirst().orElseThrow();
    assertThat(silent.getStatus()).isEqualTo("error");
    assertThat(silent.getError()).contains("no result");
  }
}
