package io.ecolens.generate;

import io.ecolens.policy.Policy;
import java.util.List;

/** Policies built in code for generator tests. */
final class TestPolicies {
  private TestPolicies() {}

  /** Two categories the phrase bank does not know, with their own violating examples. */
  static Policy twoCategories() {
    return new Policy(
        "custom",
        "7",
        "a team's own taxonomy",
        List.of(
            new Policy.Category(
                "crypto_shilling", "Crypto shilling", "low", 0.5,
                "Undisclosed paid promotion of crypto tokens.",
                new Policy.Examples(
                    List.of("buy $MOONDOG before it lists, 100x incoming", "my token pick of the week, not financial advice wink"),
                    List.of("explainer on how blockchains work")),
                List.of(new Policy.Rule(List.of("100x"), null, 0.6))),
            new Policy.Category(
                "spoilers", "Unmarked spoilers", "low", 0.5,
                "Reveals the ending of a recent film or series without a warning.",
                new Policy.Examples(
                    List.of("the detective was the killer all along", "in the finale the dragon queen dies"),
                    List.of("spoiler-free review of the new season")),
                List.of())),
        new Policy.Prompt("v1", "Judge each item."));
  }
}
