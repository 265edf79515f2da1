package io.ecolens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any config key given a value it cannot take (a word for a number, a fraction for a whole number,
 * a number past its range, a share outside 0..1, an unknown choice, a key that does not exist)
 * ends the command with exit code 2 and a short message naming the key, never a stack trace. The
 * command checks its config before Spark starts ({@code --validate-only}), as every command does.
 */
class ConfigMutationProperties {
  /** Whole-number keys and the least value each takes. */
  private static final List<Object[]> COUNTS = List.of(
      new Object[] {"sample.size", 1}, new Object[] {"score.batch-size", 1}, new Object[] {"spark.shuffle-partitions", 1},
      new Object[] {"ingest.max-text-chars", 1}, new Object[] {"sample.min-per-stratum", 0},
      new Object[] {"score.embedded.max-tokens", 16}, new Object[] {"evaluate.review-queue-per-category", 0});
  private static final List<String> SHARES = List.of("generate.malformed-share", "evaluate.uncertainty-band",
      "score.cascade.band", "comparison.alpha", "generate.label-share");
  private static final List<String> SWITCHES = List.of("catalog.embedded", "catalog.server", "generate.enabled");
  private static final List<String> CHOICES = List.of("score.scorer", "input.labels.layout", "score.embedded.mode",
      "score.embedded.model");
  private static final Set<String> BOOLEAN_WORDS = Set.of("true", "false", "yes", "no", "on", "off", "y", "n");

  /** {@code key=value} mutations, each of which no valid config holds. */
  @Provide
  Arbitrary<String[]> mutations() {
    Arbitrary<String> words = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12);
    Arbitrary<String> notWholeNumbers = Arbitraries.oneOf(words,
        Arbitraries.doubles().ofScale(3).between(-1e6, 1e6).filter(d -> d != Math.rint(d)).map(String::valueOf),
        // not "0x1F": YAML reads it as 31, a whole number the key may well take
        Arbitraries.of("99999999999999999999", "1e400", "-1e400", "NaN", "0x1G", "[1, 2]", "{a: 1}"));
    Arbitrary<String[]> counts = Combinators.combine(Arbitraries.of(COUNTS), notWholeNumbers,
        Arbitraries.integers().between(1, 1_000_000), Arbitraries.integers().between(0, 1))
        .as((key, bad, below, which) -> new String[] {(String) key[0],
            which == 0 ? bad : String.valueOf((int) key[1] - below)});
    Arbitrary<String[]> shares = Combinators.combine(Arbitraries.of(SHARES), Arbitraries.oneOf(
        Arbitraries.doubles().ofScale(4).between(1.0001, 1e9).map(String::valueOf),
        Arbitraries.doubles().ofScale(4).between(-1e9, -0.0001).map(String::valueOf), words))
        .as((key, value) -> new String[] {key, value});
    Arbitrary<String[]> switches = Combinators.combine(Arbitraries.of(SWITCHES),
        words.filter(w -> !BOOLEAN_WORDS.contains(w.toLowerCase()))).as((key, value) -> new String[] {key, value});
    Arbitrary<String[]> choices = Combinators.combine(Arbitraries.of(CHOICES), words.map(w -> w + "-x"))
        .as((key, value) -> new String[] {key, value});
    Arbitrary<String[]> unknownKeys = Combinators.combine(
        Arbitraries.of("sample", "score", "ingest", "catalog", "evaluate", "report"), words.map(w -> "zz" + w))
        .as((section, key) -> new String[] {section + "." + key, "1"});
    return Arbitraries.oneOf(counts, shares, switches, choices, unknownKeys);
  }

  @Property(tries = 150)
  void aBadValueIsExitCode2NamingTheKey(@ForAll("mutations") String[] mutation) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = EcolensCli.execute(new PrintWriter(out), new PrintWriter(err), "ingest", "--validate-only",
        "--conf", "conf/local.yaml", "--set", mutation[0] + "=" + mutation[1]);
    String printed = err.toString();
    assertThat(code).as(printed).isEqualTo(2);
    String named = mutation[0].contains(".zz") ? mutation[0].substring(mutation[0].indexOf(".zz") + 1) : mutation[0];
    assertThat(printed.lines().findFirst().orElse("")).as(printed).startsWith("error: ").contains(named);
    assertThat(printed).doesNotContain("\tat ").doesNotContain("Caused by");
    assertThat(printed.lines().count()).as(printed).isLessThanOrEqualTo(3);
  }
}
