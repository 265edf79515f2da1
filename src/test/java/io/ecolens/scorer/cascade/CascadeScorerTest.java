package io.ecolens.scorer.cascade;

import io.ecolens.config.ScorerType;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.RulesScorer;
import io.ecolens.scorer.Scorer;
import io.ecolens.score.ScorerSpec;
import io.ecolens.scorer.ScoringItem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cascade with the rules scorer standing in as the second (expensive) scorer. */
class CascadeScorerTest {
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));

  /** Scores every category with a fixed score per item id; counts what it was asked. */
  private static final class FixedScorer implements Scorer {
    final Map<String, Double> scores;
    final List<String> asked = new ArrayList<>();

    FixedScorer(Map<String, Double> scores) {
      this.scores = scores;
    }

    @Override
    public String type() {
      return "cheap";
    }

    @Override
    public String model() {
      return "cheap";
    }

    @Override
    public List<CategoryScore> score(List<ScoringItem> items) {
      List<CategoryScore> out = new ArrayList<>();
      for (ScoringItem item : items) {
        asked.add(item.getContentId());
        for (Policy.Category c : POLICY.categories()) {
          out.add(CategoryScore.local(item.getContentId(), c.id(), scores.get(item.getContentId()), 0.5, "cheap", 0));
        }
      }
      return out;
    }
  }

  /** Counts the items it is asked about, then fails or answers with the rules. */
  private static final class CountingRules implements Scorer {
    final RulesScorer rules = new RulesScorer(POLICY);
    final List<String> asked = new ArrayList<>();
    boolean fail;

    @Override
    public String type() {
      return "rules";
    }

    @Override
    public String model() {
      return rules.model();
    }

    @Override
    public List<CategoryScore> score(List<ScoringItem> items) {
      items.forEach(i -> asked.add(i.getContentId()));
      if (fail) {
        throw new IllegalStateException("endpoint down");
      }
      return rules.score(items);
    }
  }

  private static ScoringItem item(String id, String text) {
    return new ScoringItem(id, "h" + id, null, text, null, null);
  }

  private static final List<ScoringItem> ITEMS = List.of(item("sure-no", "cake recipe"),
      item("unsure", "those people are vermin"), item("sure-yes", "go spam her comments loser"));
  private static final Map<String, Double> CHEAP = Map.of("sure-no", 0.02, "unsure", 0.45, "sure-yes", 0.97);

  @Test
  void onlyItemsInTheBandGoToTheSecondScorerAndEveryRowSaysWhoDecided() {
    FixedScorer cheap = new FixedScorer(CHEAP);
    CountingRules second = new CountingRules();
    List<CategoryScore> rows = new CascadeScorer(cheap, second, POLICY, new CascadeSpec(ScorerType.EMBEDDED, ScorerType.RULES, 0.1, null))
        .score(ITEMS);

    assertThat(second.asked).containsExactly("unsure");
    assertThat(rows).hasSize(3 * POLICY.categories().size());
    assertThat(rows).filteredOn(r -> r.contentId().equals("unsure"))
        .allSatisfy(r -> assertThat(r.decidedBy()).isEqualTo("rules"))
        .anySatisfy(r -> assertThat(r.rationale()).contains("cheap unsure").contains("matched 'vermin'"));
    assertThat(rows).filteredOn(r -> !r.contentId().equals("unsure"))
        .allSatisfy(r -> assertThat(r.decidedBy()).isEqualTo("cheap"));
    assertThat(rows).filteredOn(r -> r.contentId().equals("sure-yes")).allSatisfy(r -> assertThat(r.label()).isTrue());
  }

  @Test
  void aTargetShareNarrowsTheBand() {
    CountingRules second = new CountingRules();
    Map<String, Double> scores = Map.of("sure-no", 0.30, "unsure", 0.45, "sure-yes", 0.62);
    new CascadeScorer(new FixedScorer(scores), second, POLICY, new CascadeSpec(ScorerType.EMBEDDED, ScorerType.RULES, 0.3, 0.34))
        .score(ITEMS);
    assertThat(second.asked).containsExactly("unsure");
  }

  @Test
  void whenTheSecondScorerFailsTheCheapVerdictStandsWithTheReason() {
    CountingRules second = new CountingRules();
    second.fail = true;
    List<CategoryScore> rows = new CascadeScorer(new FixedScorer(CHEAP), second, POLICY,
        new CascadeSpec(ScorerType.EMBEDDED, ScorerType.RULES, 0.1, null)).score(ITEMS);
    assertThat(rows).allSatisfy(r -> assertThat(r.error()).isNull());
    assertThat(rows).filteredOn(r -> r.contentId().equals("unsure")).allSatisfy(r -> {
      assertThat(r.decidedBy()).isEqualTo("cheap");
      assertThat(r.rationale()).contains("rules failed (IllegalStateException: endpoint down)");
    });
  }

  @Test
  void theConfiguredCascadeRunsEmbeddedThenRules() {
    ScorerSpec spec = new ScorerSpec(ScorerType.CASCADE, POLICY, null, new CascadeSpec(ScorerType.EMBEDDED, ScorerType.RULES, 0.2, null));
    Scorer cascade = spec.scorer();
    List<CategoryScore> rows = cascade.score(ITEMS);
    assertThat(rows).hasSize(3 * POLICY.categories().size());
    assertThat(rows).extracting(CategoryScore::decidedBy).containsAnyOf("embedded", "rules")
        .doesNotContainNull();
    assertThat(spec.model()).isEqualTo(cascade.model())
        .isEqualTo("cascade:all-minilm-l6-v2-q:max-tokens=256:windows=16:zero-shot>rules:default@band=0.200");
  }
}
