package io.ecolens.scorer.embedded;

import io.ecolens.embedding.Embedder;
import io.ecolens.policy.Policy;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.Scorer;
import io.ecolens.scorer.ScoringItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Scores items with in-process embeddings ({@link Embedder}). Zero-shot: each category's definition and violating
 * examples are embedded once; an item's similarity to the closest of them, lowered by how much
 * closer it is to one of the category's allowed examples, is mapped to 0..1 by the category's
 * calibration ({@link Policy.Embedded}). Trained: a category with a trained head is scored by the
 * head instead, at the head's threshold. Immutable after construction, so tasks share it.
 */
public final class EmbeddedScorer implements Scorer {
  private final Policy policy;
  private final EmbeddedSpec spec;
  private final Embedder model;
  private final List<float[][]> violating = new ArrayList<>();
  private final List<float[][]> allowed = new ArrayList<>();

  public EmbeddedScorer(Policy policy, EmbeddedSpec spec) {
    this.policy = policy;
    this.spec = spec;
    if (spec.heads() != null && !spec.vectors().equals(spec.heads().vectors())) {
      throw new IllegalArgumentException("the trained heads of policy " + policy.id() + " " + policy.version()
          + " were fitted on " + spec.heads().vectors() + " vectors, not on " + spec.vectors()
          + "; run 'train' with this score.embedded.model and max-tokens, or set them back");
    }
    this.model = Embedder.shared(spec.embedding(), spec.maxTokens(), spec.intraOpThreads());
    for (Policy.Category c : policy.categories()) {
      List<String> positives = new ArrayList<>();
      positives.add(c.definition());
      positives.addAll(c.examples().violating());
      violating.add(model.embed(positives).vectors());
      allowed.add(model.embed(c.examples().allowed()).vectors());
    }
  }

  @Override
  public String type() {
    return "embedded";
  }

  @Override
  public String model() {
    return spec.model();
  }

  @Override
  public double threshold(Policy.Category category) {
    TrainedHeads.Head head = spec.heads() == null ? null : spec.heads().categories().get(category.id());
    if (head != null) {
      return head.threshold();
    }
    Policy.Embedded cal = zeroShot(category);
    return cal.threshold() != null ? cal.threshold() : category.threshold();
  }

  /** The category's zero-shot calibration: fitted by {@code train} when saved, else the policy's. */
  private Policy.Embedded zeroShot(Policy.Category category) {
    Policy.Embedded fitted = spec.heads() == null ? null : spec.heads().calibration().get(category.id());
    return fitted != null ? fitted : category.embedded();
  }

  private boolean calibrated(Policy.Category category) {
    return spec.heads() != null && spec.heads().calibration().containsKey(category.id());
  }

  /**
   * An item's zero-shot similarity to the category at index {@code c} of the policy: its cosine to
   * the closest of the definition and violating examples, lowered by how much closer it is to an
   * allowed example. What the zero-shot score maps to 0..1, and what {@code train} calibrates.
   */
  public double similarity(int c, float[] x) {
    return similarity(closest(violating.get(c), x), closest(allowed.get(c), x));
  }

  /** The similarity of the closest violating prototype {@code best}, lowered by a closer allowed one. */
  private static double similarity(double[] best, double[] bestAllowed) {
    double similarity = best[1];
    if (bestAllowed[0] >= 0 && bestAllowed[1] > similarity) {
      similarity -= bestAllowed[1] - similarity;
    }
    return similarity;
  }

  /** Embeds the items' text in one model call; exposed for training and benchmarks. */
  public Embedder.Batch embed(List<ScoringItem> items) {
    return model.embed(items.stream().map(ScoringItem::text).toList());
  }

  @Override
  public List<CategoryScore> score(List<ScoringItem> items) {
    long start = System.nanoTime();
    Embedder.Batch batch = embed(items);
    double latencyMs = (System.nanoTime() - start) / 1e6 / Math.max(items.size(), 1);
    List<CategoryScore> out = new ArrayList<>(items.size() * violating.size());
    for (int i = 0; i < items.size(); i++) {
      String note = batch.truncated()[i]
          ? "; text cut after " + Embedder.MAX_WINDOWS + " windows of " + model.maxTokens() + " tokens" : "";
      for (int c = 0; c < violating.size(); c++) {
        out.add(scoreOne(items.get(i).getContentId(), c, batch.vectors()[i], note, latencyMs));
      }
    }
    return out;
  }

  private CategoryScore scoreOne(String contentId, int c, float[] x, String note, double latencyMs) {
    Policy.Category category = policy.categories().get(c);
    TrainedHeads.Head head = spec.heads() == null ? null : spec.heads().categories().get(category.id());
    if (head != null) {
      double p = round(head.score(x));
      return new CategoryScore(contentId, category.id(), p >= head.threshold(), p,
          String.format(Locale.ROOT, "trained head p=%.3f (threshold %.3f)%s", p, head.threshold(), note),
          null, 0, 0, latencyMs, 0.0, 1);
    }
    double[] best = closest(violating.get(c), x);
    double[] bestAllowed = closest(allowed.get(c), x);
    double similarity = similarity(best, bestAllowed);
    Policy.Embedded cal = zeroShot(category);
    double score = round(1.0 / (1.0 + Math.exp(-cal.scale() * (similarity - cal.center()))));
    double threshold = threshold(category);
    String closestTo = best[0] == 0 ? "the definition" : "violating example " + (int) best[0];
    String rationale = String.format(Locale.ROOT, "zero-shot%s: closest to %s (cos %.3f)",
        calibrated(category) ? ", calibrated" : "", closestTo, best[1])
        + (bestAllowed[0] >= 0 ? String.format(Locale.ROOT, ", allowed example %d (cos %.3f)",
            (int) bestAllowed[0] + 1, bestAllowed[1]) : "")
        + note;
    return new CategoryScore(contentId, category.id(), score >= threshold, score, rationale, null, 0, 0,
        latencyMs, 0.0, 1);
  }

  /** {index, cosine} of the prototype closest to x; index -1 when there are none. */
  private static double[] closest(float[][] prototypes, float[] x) {
    double[] best = {-1, -1};
    for (int p = 0; p < prototypes.length; p++) {
      double cos = Embedder.cosine(prototypes[p], x);
      if (cos > best[1]) {
        best[0] = p;
        best[1] = cos;
      }
    }
    return best;
  }

  /** Six decimals: the same text scores the same even when float sums differ in the last bits. */
  private static double round(double v) {
    return Math.round(v * 1e6) / 1e6;
  }
}
