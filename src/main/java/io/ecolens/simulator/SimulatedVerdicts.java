package io.ecolens.simulator;

import io.ecolens.policy.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulator's verdicts: the policy's keyword and regex rules with the same scores and
 * rationales as {@link io.ecolens.scorer.RulesScorer} (noisy-OR of the weights of the rules that
 * match), computed cheaply enough to answer a thousand requests a second. A keyword is looked up
 * with {@code indexOf} in a case-folded copy of the text and its word boundaries are checked by
 * hand, instead of one case-insensitive regex scan per keyword; the fold is the one Java's
 * {@code CASE_INSENSITIVE | UNICODE_CASE} matching uses, so the matches are the same.
 */
final class SimulatedVerdicts {
  /** One category's verdict for one item. */
  record Verdict(String category, double score, String rationale) {}

  private record Keyword(String folded, String label) {}

  /**
   * A keyword rule ({@code keyword} set) or a regex rule ({@code regex} set, with the literals any
   * match must contain: one of each set, folded).
   */
  private record Rule(Keyword keyword, Pattern regex, List<List<String>> required, double weight) {}

  private final List<String> categories = new ArrayList<>();
  private final List<List<Rule>> rules = new ArrayList<>();

  SimulatedVerdicts(Policy policy) {
    for (Policy.Category category : policy.categories()) {
      categories.add(category.id());
      List<Rule> compiled = new ArrayList<>();
      for (Policy.Rule rule : category.rules()) {
        for (String keyword : rule.keywords()) {
          compiled.add(new Rule(new Keyword(fold(keyword.toLowerCase(Locale.ROOT)), "'" + keyword + "'"), null,
              List.of(), rule.weight()));
        }
        if (rule.regex() != null) {
          compiled.add(new Rule(null, Pattern.compile(rule.regex(), Pattern.UNICODE_CASE | Pattern.CASE_INSENSITIVE),
              RequiredLiterals.of(rule.regex()), rule.weight()));
        }
      }
      rules.add(compiled);
    }
  }

  /** One verdict per policy category, in policy order. */
  List<Verdict> score(String text) {
    String folded = fold(text);
    List<Verdict> out = new ArrayList<>(categories.size());
    for (int c = 0; c < categories.size(); c++) {
      double miss = 1.0;
      StringBuilder matched = null;
      for (Rule rule : rules.get(c)) {
        String label = rule.regex() == null ? keywordMatch(text, folded, rule.keyword())
            : regexMatch(rule, text, folded);
        if (label != null) {
          miss *= 1.0 - rule.weight();
          matched = matched == null ? new StringBuilder("matched ") : matched.append(", ");
          matched.append(label);
        }
      }
      out.add(new Verdict(categories.get(c), 1.0 - miss, matched == null ? "no rule matched" : matched.toString()));
    }
    return out;
  }

  private static String keywordMatch(String text, String folded, Keyword k) {
    int from = 0;
    while (true) {
      int at = folded.indexOf(k.folded(), from);
      if (at < 0) {
        return null;
      }
      int end = at + k.folded().length();
      if ((at == 0 || !wordChar(text.codePointBefore(at))) && (end >= text.length() || !wordChar(text.codePointAt(end)))) {
        return k.label();
      }
      from = at + 1;
    }
  }

  private static String regexMatch(Rule rule, String text, String folded) {
    for (List<String> oneOf : rule.required()) {
      if (oneOf.stream().noneMatch(folded::contains)) {
        return null; // cannot match: skip the scan
      }
    }
    Matcher m = rule.regex().matcher(text);
    return m.find() ? "'" + m.group() + "'" : null;
  }

  /** A letter or a number: what the rules' {@code [\p{L}\p{N}]} boundary excludes. */
  private static boolean wordChar(int cp) {
    if (Character.isLetter(cp)) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
  }

  /** Per-char case fold of Java's unicode case-insensitive matching; keeps the length and offsets. */
  static String fold(String s) {
    char[] out = new char[s.length()];
    for (int i = 0; i < out.length; i++) {
      char ch = s.charAt(i);
      out[i] = ch < 0x80
          ? (ch >= 'A' && ch <= 'Z' ? (char) (ch + 32) : ch)
          : Character.toLowerCase(Character.toUpperCase(ch));
    }
    return new String(out);
  }
}
