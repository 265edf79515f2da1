package io.ecolens.generate;

import io.ecolens.policy.Policy;
import java.util.regex.Pattern;

/**
 * The keyword/regex semantics of a policy rule as the policy file documents them (keywords are
 * whole words, case-insensitive), so tests can check which phrases a rules scorer can catch.
 */
final class PolicyRules {
  private PolicyRules() {}

  /** Whether the rule fires on the text. */
  static boolean fires(Policy.Rule rule, String text) {
    for (String keyword : rule.keywords()) {
      if (Pattern.compile("\\b" + Pattern.quote(keyword) + "\\b", Pattern.CASE_INSENSITIVE).matcher(text).find()) {
        return true;
      }
    }
    return rule.regex() != null && Pattern.compile(rule.regex(), Pattern.CASE_INSENSITIVE).matcher(text).find();
  }

  /** Whether one rule strong enough to reach the category's threshold on its own fires. */
  static boolean catches(Policy.Category category, String text) {
    return category.rules().stream().anyMatch(r -> r.weight() >= category.threshold() && fires(r, text));
  }

  /** Whether any rule of the category fires, however weak. */
  static boolean touches(Policy.Category category, String text) {
    return category.rules().stream().anyMatch(r -> fires(r, text));
  }
}
