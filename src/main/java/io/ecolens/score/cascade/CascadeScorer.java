package io.ecolens.score.cascade;

import io.ecolens.policy.Policy;
import io.ecolens.score.CategoryScore;
import io.ecolens.score.Scorer;
import io.ecolens.score.ScoringItem;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Cheap scorer first, the expensive one only for what the cheap one is unsure of. An item is
 * uncertain when, for any category, the first scorer's score lies within the band of that
 * scorer's threshold (or it failed); the second scorer then decides all of the item's categories.
 * Every row says which scorer decided it. When the second scorer fails on an item, the first
 * scorer's verdict stands and the rationale says why.
 */
public final class CascadeScorer implements Scorer {
  private final Scorer first;
  private final Scorer second;
  private final Policy policy;
  private final CascadeSpec spec;

  public CascadeScorer(Scorer first, Scorer second, Policy policy, CascadeSpec spec) {
    this.first = first;
    this.second = second;
    this.policy = policy;
    this.spec = spec;
  }

  @Override
  public String type() {
    return "cascade";
  }

  @Override
  public String model() {
    return "cascade:" + first.model() + ">" + second.model() + "@" + spec.describeBand();
  }

  @Override
  public double threshold(Policy.Category category) {
    return second.threshold(category);
  }

  @Override
  public List<CategoryScore> score(List<ScoringItem> items) {
    List<CategoryScore> cheap = first.score(items);
    Map<String, List<CategoryScore>> byItem = new HashMap<>();
    Map<String, Double> distance = new HashMap<>();
    for (CategoryScore s : cheap) {
      byItem.computeIfAbsent(s.contentId(), k -> new ArrayList<>()).add(s);
      Policy.Category category = policy.category(s.category());
      double d = s.score() == null || category == null ? -1.0 : Math.abs(s.score() - first.threshold(category));
      distance.merge(s.contentId(), d, Math::min);
    }
    double band = effectiveBand(items, distance);
    List<ScoringItem> uncertain = new ArrayList<>();
    for (ScoringItem item : items) {
      Double d = distance.get(item.getContentId());
      if (d == null || d < band) {
        uncertain.add(item);
      }
    }
    Map<String, List<CategoryScore>> expensive = new HashMap<>();
    String secondFailure = null;
    if (!uncertain.isEmpty()) {
      try {
        for (CategoryScore s : second.score(uncertain)) {
          expensive.computeIfAbsent(s.contentId(), k -> new ArrayList<>()).add(s);
        }
      } catch (RuntimeException e) {
        secondFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
    }
    String firstType = first.type();
    String secondType = second.type();
    List<CategoryScore> out = new ArrayList<>(cheap.size());
    for (ScoringItem item : items) {
      String id = item.getContentId();
      List<CategoryScore> cheapRows = byItem.getOrDefault(id, List.of());
      List<CategoryScore> decided = expensive.get(id);
      boolean wasUncertain = uncertain.contains(item);
      if (decided != null && decided.stream().allMatch(s -> s.error() == null)) {
        String prefix = String.format(Locale.ROOT, "cascade: %s unsure (within %.3f of a threshold); ", firstType, band);
        decided.forEach(s -> out.add(s.decidedBy(secondType, prefix)));
      } else {
        String prefix = !wasUncertain ? "cascade: " + firstType + " sure; "
            : "cascade: " + secondType + " failed (" + (secondFailure != null ? secondFailure
                : decided == null ? "no answer" : firstError(decided)) + "), " + firstType + " kept; ";
        cheapRows.forEach(s -> out.add(s.decidedBy(firstType, prefix)));
      }
    }
    return out;
  }

  /** The configured band, or the narrower one that sends about {@code targetShare} of the batch on. */
  private double effectiveBand(List<ScoringItem> items, Map<String, Double> distance) {
    if (spec.targetShare() == null || items.isEmpty()) {
      return spec.band();
    }
    double[] d = items.stream().mapToDouble(i -> distance.getOrDefault(i.getContentId(), -1.0)).toArray();
    Arrays.sort(d);
    int k = (int) Math.round(spec.targetShare() * d.length);
    if (k <= 0) {
      return 0.0;
    }
    // items strictly closer than the k-th smallest distance... plus ties go on: band just above it
    double kth = d[Math.min(k, d.length) - 1];
    return Math.min(spec.band(), Math.nextUp(kth));
  }

  private static String firstError(List<CategoryScore> rows) {
    return rows.stream().filter(s -> s.error() != null).map(CategoryScore::error).findFirst().orElse("error");
  }
}
