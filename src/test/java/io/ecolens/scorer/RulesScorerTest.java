package io.ecolens.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RulesScorerTest {
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));

  private static Map<String, CategoryScore> score(String title) {
    List<CategoryScore> scores = new RulesScorer(POLICY)
        .score(List.of(new ScoringItem("i1", "h", title, null, null, List.of())));
    return scores.stream().collect(Collectors.toMap(CategoryScore::category, s -> s));
  }

  @Test
  void oneRowPerCategory() {
    assertThat(score("a cat video")).hasSize(POLICY.categories().size());
  }

  @Test
  void keywordMatchesWholeWordsCaseInsensitively() {
    CategoryScore spam = score("FREE FOLLOWERS for everyone").get("spam_scam");
    assertThat(spam.label()).isTrue();
    assertThat(spam.score()).isCloseTo(0.65, within(1e-9));
    assertThat(spam.rationale()).contains("'free followers'");
    assertThat(score("freefollowers").get("spam_scam").label()).isFalse();
  }

  @Test
  void independentMatchesCombineAsNoisyOr() {
    // 'free followers' (0.65) and 'link in bio' (0.3): 1 - 0.35 * 0.7 = 0.755
    assertThat(score("free followers, link in bio").get("spam_scam").score()).isCloseTo(0.755, within(1e-9));
  }

  @Test
  void weakEvidenceAloneStaysBelowThreshold() {
    CategoryScore violent = score("blood donation drive this weekend").get("violent_graphic");
    assertThat(violent.score()).isCloseTo(0.35, within(1e-9));
    assertThat(violent.label()).isFalse();
  }

  @Test
  void benignTextScoresZeroEverywhere() {
    assertThat(score("making pasta with my grandmother").values())
        .allSatisfy(s -> assertThat(s.score()).isZero());
  }
}
