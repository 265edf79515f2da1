package io.ecolens.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ecolens.EcolensException;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The pure item maker, without Spark. */
class SyntheticItemsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
  private static final PhraseBank BANK = PhraseBank.defaults();
  private static final List<Double> ERRORS = List.of(0.03, 0.06, 0.10);

  // 2,000 rows with 5% malformed: 100 malformed lines, about 14 of each kind.
  private static SyntheticItems items(long seed) {
    return new SyntheticItems(seed, 2_000, 0.05, 1.0, ERRORS, POLICY, BANK);
  }

  private static JsonNode parse(String line) throws JsonProcessingException {
    return JSON.readTree(line);
  }

  private static long firstOfKind(SyntheticItems items, MalformedKind kind) {
    return LongStream.range(0, items.rows())
        .filter(i -> items.malformedKind(i).orElse(null) == kind)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void sameSeedAndIndexGiveTheSameLinesAndAnotherSeedGivesOthers() {
    SyntheticItems a = items(11);
    SyntheticItems b = items(11);
    SyntheticItems other = items(12);
    for (long i = 0; i < 200; i++) {
      assertThat(a.corpusLine(i)).isEqualTo(b.corpusLine(i));
      assertThat(a.labelLines(i)).isEqualTo(b.labelLines(i));
      assertThat(a.truthLines(i)).isEqualTo(b.truthLines(i));
    }
    long differing = LongStream.range(0, 200).filter(i -> !a.corpusLine(i).equals(other.corpusLine(i))).count();
    assertThat(differing).isGreaterThan(190);
  }

  @Test
  void aLineDependsOnlyOnSeedAndIndexNotOnTheRowCount() {
    SyntheticItems small = new SyntheticItems(5, 1_000, 0.0, 1.0, ERRORS, POLICY, BANK);
    SyntheticItems large = new SyntheticItems(5, 50_000, 0.0, 1.0, ERRORS, POLICY, BANK);
    for (long i = 0; i < 100; i++) {
      assertThat(small.truthLines(i)).isEqualTo(large.truthLines(i));
      assertThat(small.item(i).title()).isEqualTo(large.item(i).title());
    }
  }

  @Test
  void wellFormedLinesCarryEveryFieldWithItsType() throws Exception {
    SyntheticItems items = items(1);
    long checked = 0;
    for (long i = 0; i < items.rows(); i++) {
      if (items.malformedKind(i).isPresent()) {
        continue;
      }
      JsonNode node = parse(items.corpusLine(i));
      assertThat(node.get("content_id").asText()).isEqualTo(SyntheticItems.contentId(i));
      for (String field : List.of("creator_id", "format", "language", "region", "created_at", "title", "description", "transcript")) {
        assertThat(node.get(field).isTextual()).as(field).isTrue();
      }
      assertThat(node.get("hashtags").isArray()).isTrue();
      node.get("hashtags").forEach(tag -> assertThat(tag.asText()).startsWith("#"));
      for (String field : List.of("views", "likes", "comments", "shares")) {
        assertThat(node.get(field).isIntegralNumber()).as(field).isTrue();
        assertThat(node.get(field).asLong()).as(field).isNotNegative();
      }
      assertThat(node.get("likes").asLong()).isLessThanOrEqualTo(node.get("views").asLong());
      Instant created = Instant.parse(node.get("created_at").asText());
      assertThat(created).isBefore(SyntheticItems.REFERENCE_TIME)
          .isAfter(SyntheticItems.REFERENCE_TIME.minusSeconds(SyntheticItems.WINDOW_DAYS * 86_400L + 1));
      assertThat(node.get("format").asText()).isIn("video", "photo", "live", "text", "story");
      if (List.of("photo", "text").contains(node.get("format").asText()) && items.item(i).violations().isEmpty()
          && items.item(i).hardNegative() == null) {
        assertThat(node.get("transcript").asText()).isEmpty();
      }
      checked++;
    }
    assertThat(checked).isEqualTo(items.rows() - items.malformedRows());
  }

  @Test
  void contentIdsAreZeroPadded() {
    assertThat(SyntheticItems.contentId(42)).isEqualTo("c00000042");
    assertThat(SyntheticItems.contentId(123_456_789)).isEqualTo("c123456789");
  }

  @Test
  void violatingItemsCarryAPhraseOfEachCategoryTheyViolate() {
    SyntheticItems items = items(3);
    long violating = 0;
    for (long i = 0; i < items.rows(); i++) {
      SyntheticItem item = items.item(i);
      assertThat(item.violations()).isEqualTo(items.violations(i));
      for (int v = 0; v < item.violations().size(); v++) {
        String category = item.violations().get(v);
        String phrase = item.phrases().get(v);
        assertThat(items.phrases(category)).contains(phrase);
        assertThat(item.text()).contains(phrase);
        violating++;
      }
    }
    assertThat(violating).isGreaterThan(100);
  }

  @Test
  void truthMatchesTheViolationsAndCoversEveryCategory() throws Exception {
    SyntheticItems items = items(4);
    long index = LongStream.range(0, items.rows())
        .filter(i -> items.malformedKind(i).isEmpty() && !items.violations(i).isEmpty())
        .findFirst().orElseThrow();
    List<String> truth = items.truthLines(index);
    assertThat(truth).hasSize(POLICY.categories().size());
    for (String line : truth) {
      JsonNode node = parse(line);
      assertThat(node.get("content_id").asText()).isEqualTo(SyntheticItems.contentId(index));
      assertThat(node.get("violates").asBoolean())
          .isEqualTo(items.violations(index).contains(node.get("category").asText()));
    }
  }

  @Test
  void labelLinesHaveOneRowPerCategoryAndAnnotatorWithThePolicyVersion() throws Exception {
    SyntheticItems items = items(5);
    long index = LongStream.range(0, items.rows()).filter(i -> items.malformedKind(i).isEmpty()).findFirst().orElseThrow();
    List<String> labels = items.labelLines(index);
    assertThat(labels).hasSize(POLICY.categories().size() * ERRORS.size());
    for (String line : labels) {
      JsonNode node = parse(line);
      assertThat(node.get("content_id").asText()).isEqualTo(SyntheticItems.contentId(index));
      assertThat(node.get("annotator_id").asText()).isIn("annotator_1", "annotator_2", "annotator_3");
      assertThat(node.get("label").isBoolean()).isTrue();
      assertThat(node.get("policy_version").asText()).isEqualTo(POLICY.version());
      assertThat(Instant.parse(node.get("labeled_at").asText())).isAfter(items.createdAt(index));
      assertThat(POLICY.category(node.get("category").asText())).isNotNull();
    }
  }

  @Test
  void labelShareZeroLabelsNothingAndMalformedRowsGetNoTruthOrLabels() {
    SyntheticItems unlabelled = new SyntheticItems(6, 500, 0.05, 0.0, ERRORS, POLICY, BANK);
    assertThat(LongStream.range(0, 500).mapToObj(unlabelled::labelLines).allMatch(List::isEmpty)).isTrue();
    SyntheticItems items = items(6);
    LongStream.range(0, items.rows()).filter(i -> items.malformedKind(i).isPresent()).forEach(i -> {
      assertThat(items.truthLines(i)).isEmpty();
      assertThat(items.labelLines(i)).isEmpty();
      assertThat(items.facts(i)).containsExactly("malformed:" + items.malformedKind(i).orElseThrow().id());
    });
  }

  @Test
  void malformedCountIsExactAndSpreadEvenlyOverTheKinds() {
    SyntheticItems items = items(7);
    Map<MalformedKind, Long> counts = new EnumMap<>(MalformedKind.class);
    LongStream.range(0, items.rows())
        .forEach(i -> items.malformedKind(i).ifPresent(k -> counts.merge(k, 1L, Long::sum)));
    assertThat(items.malformedRows()).isEqualTo(100);
    assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(100);
    assertThat(counts).containsOnlyKeys(MalformedKind.values());
    counts.values().forEach(n -> assertThat(n).isBetween(14L, 15L));
  }

  @Test
  void brokenJsonLinesDoNotParse() {
    SyntheticItems items = items(8);
    String line = items.corpusLine(firstOfKind(items, MalformedKind.BROKEN_JSON));
    assertThatThrownBy(() -> parse(line)).isInstanceOf(JsonProcessingException.class);
  }

  @Test
  void missingIdLinesAreJsonWithoutContentId() throws Exception {
    SyntheticItems items = items(8);
    JsonNode node = parse(items.corpusLine(firstOfKind(items, MalformedKind.MISSING_ID)));
    assertThat(node.has("content_id")).isFalse();
    assertThat(node.get("title").asText()).isNotEmpty();
  }

  @Test
  void wrongTypeLinesHoldAStringInViews() throws Exception {
    SyntheticItems items = items(8);
    JsonNode node = parse(items.corpusLine(firstOfKind(items, MalformedKind.WRONG_TYPES)));
    assertThat(node.get("views").isTextual()).isTrue();
    assertThat(node.get("views").asText()).isEqualTo("lots");
  }

  @Test
  void emptyTextLinesHaveNoTextAndNoHashtags() throws Exception {
    SyntheticItems items = items(8);
    JsonNode node = parse(items.corpusLine(firstOfKind(items, MalformedKind.EMPTY_TEXT)));
    assertThat(node.get("title").asText()).isEmpty();
    assertThat(node.get("description").asText()).isEmpty();
    assertThat(node.get("transcript").asText()).isEmpty();
    assertThat(node.get("hashtags")).isEmpty();
    assertThat(node.get("content_id").asText()).startsWith("c");
  }

  @Test
  void hugeTextLinesHaveATranscriptOverAMillionCharacters() throws Exception {
    SyntheticItems items = items(8);
    JsonNode node = parse(items.corpusLine(firstOfKind(items, MalformedKind.HUGE_TEXT)));
    assertThat(node.get("transcript").asText().length()).isEqualTo(SyntheticItems.HUGE_TEXT_CHARS).isGreaterThan(1_000_000);
  }

  @Test
  void badTimestampLinesDoNotParseAsIsoInstants() throws Exception {
    SyntheticItems items = items(8);
    JsonNode node = parse(items.corpusLine(firstOfKind(items, MalformedKind.BAD_TIMESTAMP)));
    assertThat(node.get("created_at").asText()).isEqualTo("31/02/2026 25:61");
    assertThatThrownBy(() -> Instant.parse(node.get("created_at").asText())).isInstanceOf(DateTimeParseException.class);
  }

  @Test
  void duplicateLinesCopyAnotherWellFormedLineExactly() throws Exception {
    SyntheticItems items = items(8);
    long duplicate = firstOfKind(items, MalformedKind.DUPLICATE_ID);
    long source = items.duplicateSource(duplicate);
    assertThat(source).isNotEqualTo(duplicate).isNotNegative();
    assertThat(items.malformedKind(source)).isEmpty();
    assertThat(items.corpusLine(duplicate)).isEqualTo(items.corpusLine(source));
    assertThat(parse(items.corpusLine(duplicate)).get("content_id").asText()).isEqualTo(SyntheticItems.contentId(source));
  }

  @Test
  void anUnknownCategoryUsesThePolicysViolatingExamplesAtTwoPercent() {
    Policy custom = TestPolicies.twoCategories();
    SyntheticItems items = new SyntheticItems(9, 1_000, 0.0, 1.0, ERRORS, custom, BANK);
    assertThat(items.categoryIds()).containsExactly("crypto_shilling", "spoilers");
    assertThat(items.prevalence("spoilers")).isEqualTo(SyntheticItems.UNKNOWN_CATEGORY_PREVALENCE);
    assertThat(items.phrases("spoilers")).isEqualTo(custom.category("spoilers").examples().violating());
    SyntheticItem violating = LongStream.range(0, 1_000).mapToObj(items::item)
        .filter(it -> it.violations().contains("spoilers")).findFirst().orElseThrow();
    assertThat(custom.category("spoilers").examples().violating()).anyMatch(violating.text()::contains);
  }

  @Test
  void invalidSettingsAreRejectedNamingTheKey() {
    assertThatThrownBy(() -> new SyntheticItems(1, 0, 0.0, 1.0, ERRORS, POLICY, BANK))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("generate.rows")
        .hasMessageContaining("must be at least 1, cannot be: 0");
    assertThatThrownBy(() -> new SyntheticItems(1, 10, 1.5, 1.0, ERRORS, POLICY, BANK))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("generate.malformed-share")
        .hasMessageContaining("must be between 0 and 1, cannot be: 1.5");
    assertThatThrownBy(() -> new SyntheticItems(1, 10, 0.0, 1.0, List.of(), POLICY, BANK))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("generate.annotator-error-rates");
  }

  @Test
  void everyRowIsMalformedWhenTheShareIsOne() {
    SyntheticItems items = new SyntheticItems(10, 50, 1.0, 1.0, ERRORS, POLICY, BANK);
    assertThat(LongStream.range(0, 50).allMatch(i -> items.malformedKind(i).isPresent())).isTrue();
    assertThat(items.duplicateSource(firstOfKind(items, MalformedKind.DUPLICATE_ID))).isEqualTo(-1);
  }

  @Test
  void hugeTextLinesAreCappedSoLargeCorporaStayReasonable() {
    // 100,000 rows at 5% malformed: 5,000 slots, 714 of them would be 1 MiB lines without the cap
    SyntheticItems big = new SyntheticItems(3, 100_000, 0.05, 1.0, ERRORS, POLICY, BANK);
    java.util.Map<MalformedKind, Long> kinds = new java.util.EnumMap<>(MalformedKind.class);
    for (long i = 0; i < 100_000; i++) {
      big.malformedKind(i).ifPresent(k -> kinds.merge(k, 1L, Long::sum));
    }
    assertThat(kinds.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(5_000);
    assertThat(kinds.get(MalformedKind.HUGE_TEXT)).isEqualTo(SyntheticItems.MAX_HUGE_TEXT_LINES);
    assertThat(kinds.get(MalformedKind.WRONG_TYPES)).isGreaterThan(kinds.get(MalformedKind.BROKEN_JSON));
  }

  @Test
  void aCopySentToExecutorsMakesTheSameLines() throws Exception {
    // Spark ships the generator to executors by Java serialization, which re-runs record
    // constructors; the copy must make exactly the lines the original makes.
    SyntheticItems original = new SyntheticItems(11, 2_000, 0.05, 1.0, ERRORS, POLICY, BANK);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(original);
    }
    SyntheticItems copy;
    try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
        new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (SyntheticItems) in.readObject();
    }
    long videos = 0;
    for (long i = 0; i < 2_000; i++) {
      assertThat(copy.corpusLine(i)).isEqualTo(original.corpusLine(i));
      if (original.malformedKind(i).isEmpty() && original.item(i).format().equals("video")) {
        videos++;
      }
    }
    // 60% video in the format table: 1,900 well-formed items, sd ~21
    assertThat(videos).isBetween(1_040L, 1_240L);
  }
}
