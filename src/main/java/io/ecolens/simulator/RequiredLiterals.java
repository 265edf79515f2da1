package io.ecolens.simulator;

import java.util.ArrayList;
import java.util.List;

/**
 * Literals that every match of a regex must contain, read from the regex's top level: plain
 * literal runs, and groups whose alternatives are all plain words ({@code (?:cause|causes)} gives
 * "one of cause, causes"). A text that lacks one of them cannot match, so the regex scan can be
 * skipped. Anything this reader is unsure of (top-level alternation, inline flags, quantified
 * parts) contributes nothing; an empty answer only means "always scan".
 */
final class RequiredLiterals {
  private static final int MIN_LENGTH = 2;

  private RequiredLiterals() {}

  /** Sets of folded literals: a match contains at least one literal of every set. */
  static List<List<String>> of(String regex) {
    List<List<String>> out = new ArrayList<>();
    StringBuilder run = new StringBuilder();
    int i = 0;
    int n = regex.length();
    while (i < n) {
      char c = regex.charAt(i);
      if (c == '|') {
        return List.of();
      } else if (c == '\\') {
        if (i + 1 < n && "QEpPxNkuc0".indexOf(regex.charAt(i + 1)) >= 0) {
          return List.of(); // quoting and code-point escapes: not worth reading
        }
        flush(run, out);
        i += 2;
        i = skipQuantifier(regex, i);
        continue;
      } else if (c == '(') {
        flush(run, out);
        int close = closing(regex, i);
        if (close < 0) {
          return List.of();
        }
        String body = regex.substring(i + 1, close);
        if (body.startsWith("?") && !body.startsWith("?:") && !body.startsWith("?=") && !body.startsWith("?!")
            && !body.startsWith("?<=") && !body.startsWith("?<!")) {
          return List.of(); // inline flags or named groups
        }
        int after = skipQuantifier(regex, close + 1);
        if (after == close + 1 && !body.startsWith("?=") && !body.startsWith("?!") && !body.startsWith("?<")) {
          List<String> alternatives = plainAlternatives(body.startsWith("?:") ? body.substring(2) : body);
          if (alternatives != null) {
            out.add(alternatives);
          }
        }
        i = after;
        continue;
      } else if (c == '[') {
        flush(run, out);
        int close = classEnd(regex, i);
        if (close < 0) {
          return List.of();
        }
        i = skipQuantifier(regex, close + 1);
        continue;
      } else if (c == '?' || c == '*' || c == '+' || c == '{') {
        if (run.length() > 0) {
          run.setLength(run.length() - 1); // the quantified character is optional or repeated
        }
        flush(run, out);
        i = skipQuantifier(regex, i);
        continue;
      } else if (c == '.' || c == '^' || c == '$' || c == ')' || c == ']' || c == '}') {
        flush(run, out);
      } else {
        run.append(c);
      }
      i++;
    }
    flush(run, out);
    return out;
  }

  private static void flush(StringBuilder run, List<List<String>> out) {
    if (run.length() >= MIN_LENGTH) {
      out.add(List.of(SimulatedVerdicts.fold(run.toString())));
    }
    run.setLength(0);
  }

  /** The alternatives of a group body when each is a non-empty run of letters, digits and spaces. */
  private static List<String> plainAlternatives(String body) {
    List<String> out = new ArrayList<>();
    for (String alternative : body.split("\\|", -1)) {
      if (alternative.length() < MIN_LENGTH) {
        return null;
      }
      for (int k = 0; k < alternative.length(); k++) {
        char ch = alternative.charAt(k);
        if (!Character.isLetterOrDigit(ch) && ch != ' ') {
          return null;
        }
      }
      out.add(SimulatedVerdicts.fold(alternative));
    }
    return out;
  }

  /** Index after a quantifier starting at {@code i} (with a lazy or possessive suffix), or {@code i}. */
  private static int skipQuantifier(String regex, int i) {
    if (i >= regex.length()) {
      return i;
    }
    char c = regex.charAt(i);
    int next;
    if (c == '?' || c == '*' || c == '+') {
      next = i + 1;
    } else if (c == '{') {
      int close = regex.indexOf('}', i);
      next = close < 0 ? regex.length() : close + 1;
    } else {
      return i;
    }
    if (next < regex.length() && (regex.charAt(next) == '?' || regex.charAt(next) == '+')) {
      next++;
    }
    return next;
  }

  /** The index of the ')' closing the group opened at {@code open}, or -1. */
  private static int closing(String regex, int open) {
    int depth = 0;
    for (int i = open; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        i = classEnd(regex, i);
        if (i < 0) {
          return -1;
        }
      } else if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  /** The index of the ']' closing the character class opened at {@code open}, or -1. */
  private static int classEnd(String regex, int open) {
    int depth = 0;
    for (int i = open; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        depth++;
      } else if (c == ']' && i > open + 1 && --depth == 0) {
        return i;
      }
    }
    return -1;
  }
}
