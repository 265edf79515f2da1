package io.ecolens.scorer;

import io.ecolens.policy.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scores items with the keyword and regex rules of the policy file. Each matching rule is
 * independent evidence of weight w; the score is the noisy-OR 1 - prod(1 - w), so two weak
 * matches outweigh one. The rationale lists what matched.
 */
public final class RulesScorer implements Scorer {
  private final Policy policy;
  private final List<List<CompiledRule>> rules = new ArrayList<>();

  private record CompiledRule(Pattern pattern, double weight, String label) {}

  public RulesScorer(Policy policy) {
    this.policy = policy;
    for (Policy.Category category : policy.categories()) {
      List<CompiledRule> compiled = new ArrayList<>();
      for (Policy.Rule rule : category.rules()) {
        for (String keyword : rule.keywords()) {
          String k = keyword.toLowerCase(Locale.ROOT);
          compiled.add(new CompiledRule(
              Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(k) + "(?![\\p{L}\\p{N}])",
                  Pattern.UNICODE_CASE | Pattern.CASE_INSENSITIVE),
              rule.weight(), "'" + keyword + "'"));
        }
        if (rule.regex() != null) {
          compiled.add(new CompiledRule(
              Pattern.compile(rule.regex(), Pattern.UNICODE_CASE | Pattern.CASE_INSENSITIVE),
              rule.weight(), null));
        }
      }
      rules.add(compiled);
    }
  }

  @Override
  public String type() {
    return "rules";
  }

  @Override
  public String model() {
    return "rules:" + policy.id();
  }

  @Override
  public List<CategoryScore> score(List<ScoringItem> items) {
    List<CategoryScore> out = new ArrayList<>(items.size() * rules.size());
    for (ScoringItem item : items) {
      long start = System.nanoTime();
      String text = item.text();
      double[] scores = new double[rules.size()];
      String[] rationales = new String[rules.size()];
      for (int c = 0; c < rules.size(); c++) {
        double miss = 1.0;
        List<String> matched = new ArrayList<>();
        for (CompiledRule rule : rules.get(c)) {
          Matcher m = rule.pattern().matcher(text);
          if (m.find()) {
            miss *= 1.0 - rule.weight();
            matched.add(rule.label() != null ? rule.label() : "'" + m.group() + "'");
          }
        }
        scores[c] = 1.0 - miss;
        rationales[c] = matched.isEmpty() ? "no rule matched" : "matched " + String.join(", ", matched);
      }
      // every category row of an item carries the item's whole scoring time
      double latencyMs = (System.nanoTime() - start) / 1e6;
      for (int c = 0; c < rules.size(); c++) {
        Policy.Category category = policy.categories().get(c);
        out.add(CategoryScore.local(item.getContentId(), category.id(), scores[c], category.threshold(),
            rationales[c], latencyMs));
      }
    }
    return out;
  }
}
