package io.ecolens.scorer.openai;

import io.ecolens.policy.Policy;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.ScoringItem;
import java.util.ArrayList;
import java.util.List;

/**
 * An item's rows, one per policy category, from a valid answer or with the reason it failed; the
 * item's tokens are split over its categories and priced by the mode that sent them.
 */
final class ItemRows {
  /** The price of tokens: online or through the Batch API. */
  interface Price {
    double of(long inputTokens, long outputTokens);
  }

  private ItemRows() {}

  /** Rows of an item the model answered validly; a category's label is its score at the policy's threshold. */
  static List<CategoryScore> ok(ScoringItem item, List<AnswerParser.Verdict> verdicts, Policy policy,
      long inputTokens, long outputTokens, double latencyMs, int attempts, Price price) {
    List<CategoryScore> scores = new ArrayList<>(verdicts.size());
    for (int k = 0; k < verdicts.size(); k++) {
      AnswerParser.Verdict v = verdicts.get(k);
      long in = share(inputTokens, verdicts.size(), k);
      long out = share(outputTokens, verdicts.size(), k);
      double threshold = policy.categories().get(k).threshold();
      scores.add(new CategoryScore(item.getContentId(), v.category(), v.score() >= threshold, v.score(),
          v.rationale(), null, in, out, latencyMs, price.of(in, out), attempts));
    }
    return scores;
  }

  /** Error rows of an item that could not be scored, with {@code reason}. */
  static List<CategoryScore> failed(ScoringItem item, List<String> categories, String reason, long inputTokens,
      long outputTokens, double latencyMs, int attempts, Price price) {
    List<CategoryScore> scores = new ArrayList<>(categories.size());
    for (int k = 0; k < categories.size(); k++) {
      long in = share(inputTokens, categories.size(), k);
      long out = share(outputTokens, categories.size(), k);
      scores.add(new CategoryScore(item.getContentId(), categories.get(k), null, null, null, reason, in, out,
          latencyMs, price.of(in, out), attempts));
    }
    return scores;
  }

  /** Part {@code index} of {@code total} split into {@code parts} parts that add up to it. */
  static long share(long total, int parts, int index) {
    return total / parts + (index < total % parts ? 1 : 0);
  }
}
