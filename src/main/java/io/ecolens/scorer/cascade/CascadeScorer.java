package io.ecolens.scorer.cascade;

import io.ecolens.policy.Policy;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.Scorer;
import io.ecolens.scorer.Scored;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.ScoringTask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Cheap scorer first, the expensive one only for what the cheap one is unsure of. An item is
 * uncertain when, for any category, the first scorer's score lies within the band of that
 * scorer's threshold (or it failed); the second scorer then decides all of the item's categories.
 * Every row says which scorer decided it.
 *
 * <p>With a local second scorer ({@link #score}), the first scorer's verdict stands when the
 * second fails on an item, and the rationale says why. With a {@linkplain Scorer#remote remote}
 * second scorer (the LLM), {@link #scorePartition} streams the escalated items through the second
 * scorer's own {@code scorePartition} (the {@code openai} fan-out, within the task's share of the
 * job's global limits), and an item it could not score becomes error rows with the reason (so that
 * a later run sends it again).
 */
public final class CascadeScorer implements Scorer {
  private final Scorer first;
  private final Scorer second;
  private final Policy policy;
  private final CascadeSpec spec;

  /** The first scorer's verdicts on a batch and which items it is unsure of. */
  record Split(Map<String, List<CategoryScore>> cheap, List<ScoringItem> uncertain, Set<String> uncertainIds,
      double band) {}

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

  /** A cascade is remote when its second scorer is: its failures are then retried by later runs. */
  @Override
  public boolean remote() {
    return second.remote();
  }

  @Override
  public List<CategoryScore> score(List<ScoringItem> items) {
    Split split = split(items);
    Map<String, List<CategoryScore>> expensive = new HashMap<>();
    String secondFailure = null;
    if (!split.uncertain().isEmpty()) {
      try {
        for (CategoryScore s : second.score(split.uncertain())) {
          expensive.computeIfAbsent(s.contentId(), k -> new ArrayList<>()).add(s);
        }
      } catch (RuntimeException e) {
        secondFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
    }
    String firstType = first.type();
    String secondType = second.type();
    List<CategoryScore> out = new ArrayList<>();
    for (ScoringItem item : items) {
      String id = item.getContentId();
      List<CategoryScore> cheapRows = split.cheap().getOrDefault(id, List.of());
      List<CategoryScore> decided = expensive.get(id);
      boolean wasUncertain = split.uncertainIds().contains(id);
      if (decided != null && decided.stream().allMatch(s -> s.error() == null)) {
        String prefix = unsurePrefix(split.band());
        decided.forEach(s -> out.add(s.decidedBy(secondType, prefix)));
      } else {
        String prefix = !wasUncertain ? surePrefix()
            : "cascade: " + secondType + " failed (" + (secondFailure != null ? secondFailure
                : decided == null ? "no answer" : firstError(decided)) + "), " + firstType + " kept; ";
        cheapRows.forEach(s -> out.add(s.decidedBy(firstType, prefix)));
      }
    }
    return out;
  }

  /**
   * Scores one task's items lazily. With a remote second scorer: the first scorer in batches of
   * the task's batch size, the uncertain items streamed to the second scorer's own partition
   * scoring ({@link CascadeFanOut}); otherwise batch by batch through {@link #score}.
   */
  @Override
  public Iterator<Scored> scorePartition(Iterator<ScoringItem> items, ScoringTask task, LongConsumer itemsDone) {
    if (!second.remote()) {
      return Scorer.super.scorePartition(items, task, itemsDone);
    }
    return new CascadeFanOut(this, items, task, itemsDone);
  }

  /** The second scorer's lazy scoring of the items the first one escalates. */
  Iterator<Scored> escalate(Iterator<ScoringItem> escalated, ScoringTask task, LongConsumer itemsDone) {
    return second.scorePartition(escalated, task, itemsDone);
  }

  /**
   * Scores a batch with the first scorer and picks the items to send on: those within the band of a
   * category's threshold (once a pilot has fitted them, that category's band in log-odds, {@link
   * CascadeFit#distance}; every item while piloting), and those the first scorer could not score.
   */
  Split split(List<ScoringItem> items) {
    List<CategoryScore> cheap;
    try {
      cheap = first.score(items);
    } catch (RuntimeException e) {
      cheap = List.of(); // nothing known: every item goes on
    }
    Map<String, List<CategoryScore>> byItem = new HashMap<>();
    Map<String, Double> distance = new HashMap<>();
    Set<String> withinFittedBand = new HashSet<>();
    for (CategoryScore s : cheap) {
      byItem.computeIfAbsent(s.contentId(), k -> new ArrayList<>()).add(s);
      Policy.Category category = policy.category(s.category());
      double d = s.score() == null || category == null ? -1.0 : Math.abs(s.score() - first.threshold(category));
      distance.merge(s.contentId(), d, Math::min);
      if (spec.bands() != null && (category == null || CascadeFit.within(s.score() == null ? Double.NaN : s.score(),
          first.threshold(category), spec.bands().getOrDefault(s.category(), CascadeFit.EVERY_ITEM)))) {
        withinFittedBand.add(s.contentId());
      }
    }
    double band = spec.piloting() ? Double.POSITIVE_INFINITY
        : spec.bands() != null ? Double.NaN : effectiveBand(items, distance);
    List<ScoringItem> uncertain = new ArrayList<>();
    Set<String> uncertainIds = new HashSet<>();
    for (ScoringItem item : items) {
      Double d = distance.get(item.getContentId());
      boolean unsure = spec.bands() != null ? d == null || withinFittedBand.contains(item.getContentId())
          : d == null || d < band;
      if (unsure) {
        uncertain.add(item);
        uncertainIds.add(item.getContentId());
      }
    }
    return new Split(byItem, uncertain, uncertainIds, band);
  }

  String firstType() {
    return first.type();
  }

  String secondType() {
    return second.type();
  }

  String surePrefix() {
    return "cascade: " + first.type() + " sure; ";
  }

  /** The rationale's prefix for an item the second scorer decided; {@code band} as {@link #split} chose it. */
  String unsurePrefix(double band) {
    if (spec.piloting()) {
      return "cascade: pilot item (sent to " + second.type() + " to fit the bands); ";
    }
    if (spec.bands() != null) {
      return String.format(Locale.ROOT, "cascade: %s unsure (within a fitted band of a threshold); ", first.type());
    }
    if (Double.isNaN(band)) {
      return "cascade: " + first.type() + " unsure; ";
    }
    return String.format(Locale.ROOT, "cascade: %s unsure (within %.3f of a threshold); ", first.type(), band);
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
