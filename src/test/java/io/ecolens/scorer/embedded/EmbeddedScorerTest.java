package io.ecolens.scorer.embedded;

import io.ecolens.config.EmbeddingModel;
import io.ecolens.config.ScorerType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.embedding.Embedder;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.score.ScorerSpec;
import io.ecolens.scorer.ScoringItem;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The embedded scorer on single items, without Spark. */
class EmbeddedScorerTest {
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));

  private static ScoringItem item(String id, String text) {
    return new ScoringItem(id, "h-" + id, null, text, null, null);
  }

  @Test
  void theSameTextScoresTheSameInAnyBatch() {
    EmbeddedScorer scorer = (EmbeddedScorer) new ScorerSpec(ScorerType.EMBEDDED, POLICY).scorer();
    List<CategoryScore> alone = scorer.score(List.of(item("a", "win a free phone, click this link now")));
    List<CategoryScore> inBatch = scorer.score(List.of(item("b", "cute cat video"),
        item("a", "win a free phone, click this link now"), item("c", "x".repeat(3000))));
    List<CategoryScore> again = scorer.score(List.of(item("a", "win a free phone, click this link now")));
    List<Double> first = alone.stream().map(CategoryScore::score).toList();
    assertThat(again.stream().map(CategoryScore::score).toList()).isEqualTo(first);
    assertThat(inBatch.stream().filter(s -> s.contentId().equals("a")).map(CategoryScore::score).toList())
        .isEqualTo(first);
  }

  @Test
  void emptyHugeAndNonEnglishTextsScoreWithoutErrorAndTruncationIsRecorded() {
    EmbeddedScorer scorer = (EmbeddedScorer) new ScorerSpec(ScorerType.EMBEDDED, POLICY).scorer();
    String huge = "buy followers cheap today ".repeat(20_000);
    List<CategoryScore> scores = scorer.score(List.of(item("empty", ""), item("huge", huge),
        item("zh", "这个视频教你如何做蛋糕"), item("ar", "هذا فيديو عن الطبخ"), item("ru", "смешное видео про котов"),
        new ScoringItem("nulls", "h", null, null, null, null)));
    assertThat(scores).hasSize(6 * POLICY.categories().size());
    assertThat(scores).allSatisfy(s -> {
      assertThat(s.error()).isNull();
      assertThat(s.score()).isBetween(0.0, 1.0);
      assertThat(s.label()).isNotNull();
    });
    assertThat(scores).filteredOn(s -> s.contentId().equals("huge"))
        .allSatisfy(s -> assertThat(s.rationale()).contains("text cut after 16 windows of 256 tokens"));
    assertThat(scores).filteredOn(s -> !s.contentId().equals("huge"))
        .allSatisfy(s -> assertThat(s.rationale()).doesNotContain("cut after"));
  }

  @Test
  void violatingTextsScoreAboveBenignOnesForTheirCategory() {
    EmbeddedScorer scorer = (EmbeddedScorer) new ScorerSpec(ScorerType.EMBEDDED, POLICY).scorer();
    List<CategoryScore> scores = scorer.score(List.of(
        item("spam", "limited offer!!! send us a deposit and double your money, guaranteed profit, DM now"),
        item("cooking", "my grandmother's recipe for lemon cake, step by step")));
    double spam = score(scores, "spam", "spam_scam");
    double cooking = score(scores, "cooking", "spam_scam");
    assertThat(spam).isGreaterThan(cooking);
  }

  @Test
  void aPolicyWithANewCategoryNeedsNoCodeChange() {
    Policy.Category pets = new Policy.Category("pet_sale", "Selling pets", "low", 0.5,
        "Offers to sell or buy live animals such as puppies or kittens.",
        new Policy.Examples(List.of("puppies for sale, message me for the price"), List.of("my puppy learns to sit")),
        List.of(), new Policy.Embedded(0.4, 0.3, 10.0));
    Policy policy = new Policy("pets", "1", "one new category", List.of(pets), null);
    EmbeddedScorer scorer = new EmbeddedScorer(policy, EmbeddedSpec.ZERO_SHOT);
    List<CategoryScore> scores = scorer.score(List.of(item("sale", "kittens for sale, 50 dollars each, DM me"),
        item("walk", "a long walk in the mountains at sunrise")));
    assertThat(scores).extracting(CategoryScore::category).containsOnly("pet_sale");
    assertThat(score(scores, "sale", "pet_sale")).isGreaterThan(score(scores, "walk", "pet_sale"));
    assertThat(scorer.threshold(pets)).isEqualTo(0.4);
  }

  @Test
  void aTrainedHeadDecidesItsCategoryAtItsThreshold() {
    double[] w = new double[EmbeddingModel.DIMENSIONS];
    TrainedHeads heads = new TrainedHeads(POLICY.id(), POLICY.version(), VECTORS, "now", "r1",
        Map.of("spam_scam", new TrainedHeads.Head(w, 2.0, 0.7, 10, 100)), null);
    EmbeddedScorer scorer = new EmbeddedScorer(POLICY, new EmbeddedSpec(EmbeddingModel.MINILM, 256, 1, heads));
    List<CategoryScore> scores = scorer.score(List.of(item("a", "anything")));
    CategoryScore spam = scores.stream().filter(s -> s.category().equals("spam_scam")).findFirst().orElseThrow();
    assertThat(spam.score()).isEqualTo(Math.round(1e6 / (1 + Math.exp(-2.0))) / 1e6);
    assertThat(spam.label()).isTrue();
    assertThat(spam.rationale()).startsWith("trained head");
    assertThat(scores).filteredOn(s -> !s.category().equals("spam_scam"))
        .allSatisfy(s -> assertThat(s.rationale()).startsWith("zero-shot"));
    assertThat(scorer.model()).startsWith(VECTORS + ":trained-");
  }

  @Test
  void theFingerprintFollowsTheFitNotWhenOrOnWhichRunItWasMade() {
    double[] w = new double[EmbeddingModel.DIMENSIONS];
    w[0] = 0.5;
    TrainedHeads first = new TrainedHeads(POLICY.id(), POLICY.version(), VECTORS, "2026-12-01T00:00:00Z", "r1",
        Map.of("spam_scam", new TrainedHeads.Head(w, 2.0, 0.7, 10, 100)), null);
    TrainedHeads again = new TrainedHeads(POLICY.id(), POLICY.version(), VECTORS, "2026-12-02T00:00:00Z", "r2",
        Map.of("spam_scam", new TrainedHeads.Head(w.clone(), 2.0, 0.7, 10, 100)), null);
    TrainedHeads otherIntercept = new TrainedHeads(POLICY.id(), POLICY.version(), VECTORS, "2026-12-01T00:00:00Z",
        "r1", Map.of("spam_scam", new TrainedHeads.Head(w, 1.0, 0.7, 10, 100)), null);
    assertThat(again.fingerprint()).isEqualTo(first.fingerprint());
    assertThat(otherIntercept.fingerprint()).isNotEqualTo(first.fingerprint());
  }

  @Test
  void headsFittedOnAnotherModelAreRefusedNamingBoth() {
    TrainedHeads heads = new TrainedHeads(POLICY.id(), POLICY.version(), VECTORS, "now", "r1",
        Map.of("spam_scam", new TrainedHeads.Head(new double[EmbeddingModel.DIMENSIONS], 0.0, 0.5, 10, 100)), null);
    assertThatThrownBy(() -> new EmbeddedScorer(POLICY, new EmbeddedSpec(EmbeddingModel.BGE_SMALL, 256, 1, heads)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(VECTORS).hasMessageContaining("bge-small-en-v1.5-q:max-tokens=256")
        .hasMessageContaining("run 'train'");
  }

  @Test
  void theModelIsLoadedOncePerJvm() {
    new ScorerSpec(ScorerType.EMBEDDED, POLICY).scorer();
    int loaded = Embedder.loads(); // other test classes of this JVM may have loaded other models or windows
    new EmbeddedScorer(POLICY, new EmbeddedSpec(EmbeddingModel.MINILM, 256, 1, null));
    new ScorerSpec(ScorerType.CASCADE, POLICY).scorer();
    assertThat(Embedder.loads()).isEqualTo(loaded);
  }

  private static final String VECTORS = "all-minilm-l6-v2-q:max-tokens=256:windows=16";

  private static double score(List<CategoryScore> scores, String id, String category) {
    return scores.stream().filter(s -> s.contentId().equals(id) && s.category().equals(category))
        .findFirst().orElseThrow().score();
  }
}
