package io.ecolens.scorer.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever a model answers (truncated JSON, extra fields, scores out of range or huge, wrong or
 * repeated ids, whitespace floods, code fences), every requested item comes out either valid, with
 * one score in 0..1 per category, or invalid with a reason; the parser never throws.
 */
class AnswerParserProperties {
  private static final List<String> CATEGORIES = List.of("hate_speech", "spam_scam", "self_harm");

  @Property(tries = 500)
  void everyRequestedItemIsValidOrInvalidWithAReason(@ForAll("answers") String answer,
      @ForAll @IntRange(min = 1, max = 6) int requested) {
    AnswerParser.Answer parsed = AnswerParser.parse(answer, requested, CATEGORIES);
    Set<String> ids = new TreeSet<>(parsed.valid().keySet());
    ids.retainAll(parsed.invalid().keySet());
    assertThat(ids).as("items both valid and invalid").isEmpty();
    ids.addAll(parsed.valid().keySet());
    ids.addAll(parsed.invalid().keySet());
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= requested; i++) {
      expected.add(String.valueOf(i));
    }
    assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
    parsed.invalid().values().forEach(reason -> assertThat(reason).startsWith("malformed answer").hasSizeLessThan(400));
    parsed.valid().values().forEach(verdicts -> {
      assertThat(verdicts).extracting(AnswerParser.Verdict::category).containsExactlyElementsOf(CATEGORIES);
      assertThat(verdicts).allSatisfy(v -> assertThat(v.score()).isBetween(0.0, 1.0));
    });
  }

  @Property(tries = 200)
  void aWellFormedAnswerIsValidWhole(@ForAll @IntRange(min = 1, max = 6) int requested,
      @ForAll("scores") double score) {
    StringBuilder json = new StringBuilder("{\"items\":[");
    for (int i = 1; i <= requested; i++) {
      json.append(i > 1 ? "," : "").append(item(String.valueOf(i), score));
    }
    AnswerParser.Answer parsed = AnswerParser.parse(json.append("]}").toString(), requested, CATEGORIES);
    assertThat(parsed.invalid()).isEmpty();
    assertThat(parsed.valid()).hasSize(requested);
  }

  @Provide
  Arbitrary<Double> scores() {
    return Arbitraries.doubles().between(0, 1);
  }

  /** Answers built from well-formed items, then damaged in one of the ways models damage them. */
  @Provide
  Arbitrary<String> answers() {
    Arbitrary<String> id = Arbitraries.oneOf(Arbitraries.integers().between(0, 8).map(String::valueOf),
        Arbitraries.of("x", "", "1.0", "null", " 1"));
    Arbitrary<Double> score = Arbitraries.oneOf(Arbitraries.doubles().between(0, 1),
        Arbitraries.of(-0.1, 1.0001, 1e308, -1e308, 7.0), Arbitraries.doubles());
    Arbitrary<String> item = Combinators.combine(id, score).as(AnswerParserProperties::item);
    Arbitrary<String> odd = Arbitraries.of(
        "{\"id\":\"1\",\"scores\":\"high\"}",
        "{\"id\":\"2\"}",
        "{\"id\":{\"nested\":1},\"scores\":[]}",
        "{\"id\":\"1\",\"scores\":[{\"category\":\"hate_speech\",\"score\":\"0.5\"}]}",
        "{\"id\":\"3\",\"scores\":[{\"category\":\"unknown\",\"score\":0.5}],\"extra\":[1,2,3]}",
        "{\"id\":\"1\",\"scores\":[{\"category\":\"hate_speech\",\"score\":1" + "0".repeat(400) + "}]}",
        "null", "[]", "42");
    Arbitrary<String> items = Arbitraries.oneOf(item, item, item, odd).list().ofMaxSize(8)
        .map(list -> "{\"items\":[" + String.join(",", list) + "],\"note\":\"extra field\"}");
    return Combinators.combine(items, Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 10_000))
        .as(AnswerParserProperties::damage);
  }

  private static String item(String id, double score) {
    StringBuilder scores = new StringBuilder();
    for (String category : CATEGORIES) {
      scores.append(scores.length() > 0 ? "," : "").append("{\"category\":\"").append(category)
          .append("\",\"score\":").append(score).append(",\"rationale\":\"r\"}");
    }
    return "{\"id\":\"" + id + "\",\"scores\":[" + scores + "]}";
  }

  private static String damage(String json, int how, int at) {
    return switch (how) {
      case 0 -> json; // as generated (which may already hold bad items)
      case 1 -> json.substring(0, at % (json.length() + 1)); // truncated
      case 2 -> " \n\t".repeat(at) + json + " ".repeat(at); // whitespace flood
      case 3 -> "```json\n" + json + "\n```"; // fenced
      case 4 -> "Sure! Here is the JSON: " + json; // chatter
      case 5 -> json.replace("\"score\":", "\"score\": 1e" + (at % 400) + " + "); // not JSON any more
      case 6 -> "";
      default -> json + json; // two documents
    };
  }
}
