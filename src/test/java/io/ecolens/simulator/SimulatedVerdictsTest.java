package io.ecolens.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.RulesScorer;
import io.ecolens.scorer.ScoringItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The simulator's fast rule matching gives exactly what the rules scorer gives. */
class SimulatedVerdictsTest {
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));

  /** Every line of the phrase bank and the policy (examples and rule text included), in three cases. */
  private static List<String> texts() throws IOException {
    List<String> lines = new ArrayList<>();
    lines.addAll(Files.readAllLines(Path.of("src/main/resources/io/ecolens/generate/phrases.yaml")));
    lines.addAll(Files.readAllLines(Path.of("conf/policies/default.yaml")));
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      String t = line.replaceAll("^[\\s-]*", "").replace("\"", "");
      out.add(t);
      out.add(t.toUpperCase(Locale.ROOT));
      out.add("prefix" + t + "suffix"); // keywords glued to other letters must not match
    }
    out.addAll(List.of(
        "VERMIN!", "vermin_x", "vermin1", "1vermin", "éloser", "loserö", "Loser.", "the LOSER of kıng",
        "Vaccines CAUSE autism", "vaccine causes", "vaccinescause x", "skip all meals", "SKIP  meals",
        "skip meals", "are you 12", "are you 16", "are you 9?", "the tide pod challenge", "challenge",
        "those immigrants should be removed", "ALL PEOPLE ARE ANIMALS", "go report their account",
        "Ⅻ vermin Ⅻ", "vermin\u0301", "ſkip meals", "\u212Aill", "", "  "));
    return out;
  }

  @Test
  void scoresAndRationalesMatchTheRulesScorer() throws IOException {
    RulesScorer rules = new RulesScorer(POLICY);
    SimulatedVerdicts fast = new SimulatedVerdicts(POLICY);
    int matched = 0;
    for (String text : texts()) {
      List<CategoryScore> expected = rules.score(List.of(new ScoringItem("x", null, null, text, null, List.of())));
      List<SimulatedVerdicts.Verdict> actual = fast.score(text);
      assertThat(actual).hasSameSizeAs(expected);
      for (int c = 0; c < expected.size(); c++) {
        assertThat(actual.get(c).category()).isEqualTo(expected.get(c).category());
        assertThat(actual.get(c).score()).as("%s on '%s'", expected.get(c).category(), text)
            .isEqualTo(expected.get(c).score());
        assertThat(actual.get(c).rationale()).as("%s on '%s'", expected.get(c).category(), text)
            .isEqualTo(expected.get(c).rationale());
        if (expected.get(c).score() > 0) {
          matched++;
        }
      }
    }
    assertThat(matched).as("the texts exercise the rules").isGreaterThan(100);
  }

  @Test
  void requiredLiteralsAreReadOnlyWhereTheRegexForcesThem() {
    assertThat(RequiredLiterals.of("\\bvaccines? (?:cause|causes) \\w+"))
        .containsExactly(List.of("vaccine"), List.of("cause", "causes"));
    assertThat(RequiredLiterals.of("\\bare you (?:1[0-5]|[89])\\b")).containsExactly(List.of("are you "));
    assertThat(RequiredLiterals.of("\\bskip (?:all )?meals\\b")).containsExactly(List.of("skip "), List.of("meals"));
    assertThat(RequiredLiterals.of("abc|xyz")).isEmpty();
    assertThat(RequiredLiterals.of("(?x) a b c")).isEmpty();
    assertThat(RequiredLiterals.of("colou?r{2}")).containsExactly(List.of("colo"));
    assertThat(RequiredLiterals.of("[a-z]+ing (?=now)")).containsExactly(List.of("ing "));
    assertThat(RequiredLiterals.of("\\QFOO\\E")).isEmpty();
  }
}
