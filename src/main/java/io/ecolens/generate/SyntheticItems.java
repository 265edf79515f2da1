package io.ecolens.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig;
import io.ecolens.policy.Policy;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Makes the synthetic corpus row by row, as pure functions of (seed, row index): the same seed,
 * row count, policy and phrase bank always give the same line for an index, whichever machine or
 * partition computes it. Each concern draws from its own random stream (content, violations,
 * labels, timestamps, malformed rows), so the labels pass never has to rebuild an item's text.
 *
 * <p><b>What {@code rows} counts.</b> {@code rows} is the number of corpus lines written, one per
 * index in {@code [0, rows)}. Exactly {@link #malformedRows()} = {@code round(rows *
 * malformedShare)} of them are malformed, one at a random position in each of that many equal
 * blocks of indices, the kinds taking turns ({@link MalformedKind}); the other lines are
 * well-formed items with distinct content ids. A {@code duplicate_id} line copies a well-formed
 * line, so the corpus holds {@code rows - malformedRows()} well-formed, distinct items, and
 * {@code truth} and {@code labels} describe exactly those (labels only the {@code labelShare}
 * fraction of them drawn as labelled). Content ids are {@code c} plus the zero-padded index.
 */
public final class SyntheticItems implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The fixed "now" of the corpus: items are created in the {@value #WINDOW_DAYS} days before it. */
  public static final Instant REFERENCE_TIME = Instant.parse("2026-11-01T00:00:00Z");
  /** How far back items are created, in days. */
  public static final int WINDOW_DAYS = 180;
  /** Prevalence of a policy category the phrase bank does not know. */
  public static final double UNKNOWN_CATEGORY_PREVALENCE = 0.02;
  /** Length of a {@link MalformedKind#HUGE_TEXT} transcript (1 MiB of characters). */
  public static final int HUGE_TEXT_CHARS = 1 << 20;
  /** At most this many {@link MalformedKind#HUGE_TEXT} lines per corpus (about 50 MiB). */
  public static final long MAX_HUGE_TEXT_LINES = 50;
  /** The {@code created_at} of a {@link MalformedKind#BAD_TIMESTAMP} line. */
  public static final String BAD_TIMESTAMP = "31/02/2026 25:61";
  /** Zipf exponent of items per creator. */
  public static final double ZIPF_EXPONENT = 1.1;
  /** On average one creator per this many rows. */
  public static final long ROWS_PER_CREATOR = 25;

  private static final long CONTENT = 1;
  private static final long VIOLATION = 2;
  private static final long LABEL = 3;
  private static final long TIME = 4;
  private static final long MALFORMED = 5;
  private static final long DUPLICATE = 6;
  private static final MalformedKind[] KINDS = MalformedKind.values();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final long seed;
  private final long rows;
  private final long malformedRows;
  private final double labelShare;
  private final double[] annotatorErrorRates;
  private final String policyVersion;
  private final String[] categoryIds;
  private final double[] prevalence;
  private final String[][] categoryPhrases;
  private final String[] hardNegatives;
  private final double hardNegativeShare;
  private final double nativeTextShare;
  private final Weighted formats;
  private final Weighted languages;
  private final Weighted[] regionsByLanguage;
  private final PhraseBank.Language[] languageTables;
  private final PhraseBank.Topic[] topics;
  private final long creators;

  /** A generator for these settings; see the class javadoc for what each number means. */
  public SyntheticItems(
      long seed,
      long rows,
      double malformedShare,
      double labelShare,
      List<Double> annotatorErrorRates,
      Policy policy,
      PhraseBank bank) {
    String source = "generate settings";
    if (rows < 1) {
      throw Errors.config(source, "generate.rows", "must be at least 1, cannot be: " + rows);
    }
    share(source, "generate.malformed-share", malformedShare);
    share(source, "generate.label-share", labelShare);
    if (annotatorErrorRates == null || annotatorErrorRates.isEmpty()) {
      throw Errors.config(source, "generate.annotator-error-rates", "needs at least one annotator, e.g. [0.03, 0.06, 0.10]");
    }
    for (int i = 0; i < annotatorErrorRates.size(); i++) {
      share(source, "generate.annotator-error-rates[" + i + "]", annotatorErrorRates.get(i));
    }
    if (policy == null || policy.categories().isEmpty()) {
      throw Errors.config(source, "score.policy", "the policy needs at least one category to generate violations for");
    }
    this.seed = seed;
    this.rows = rows;
    this.malformedRows = Math.min(rows, Math.round(rows * malformedShare));
    this.labelShare = labelShare;
    this.annotatorErrorRates = annotatorErrorRates.stream().mapToDouble(Double::doubleValue).toArray();
    this.policyVersion = policy.version();

    List<Policy.Category> categories = policy.categories();
    this.categoryIds = new String[categories.size()];
    this.prevalence = new double[categories.size()];
    this.categoryPhrases = new String[categories.size()][];
    Set<String> negatives = new LinkedHashSet<>(bank.hardNegatives());
    for (int c = 0; c < categories.size(); c++) {
      Policy.Category category = categories.get(c);
      PhraseBank.CategoryPhrases known = bank.category(category.id());
      categoryIds[c] = category.id();
      if (known != null && known.prevalence() != null && !(known.caught().isEmpty() && known.missed().isEmpty())) {
        prevalence[c] = known.prevalence();
        List<String> phrases = new ArrayList<>(known.caught());
        phrases.addAll(known.missed());
        categoryPhrases[c] = phrases.toArray(String[]::new);
      } else {
        prevalence[c] = UNKNOWN_CATEGORY_PREVALENCE;
        categoryPhrases[c] = fallbackPhrases(category).toArray(String[]::new);
      }
      negatives.addAll(category.examples().allowed());
    }
    this.hardNegatives = negatives.toArray(String[]::new);
    this.hardNegativeShare = bank.hardNegativeShare();
    this.nativeTextShare = bank.nativeTextShare();
    this.formats = Weighted.of(bank.formats());
    this.languageTables = bank.languages().toArray(PhraseBank.Language[]::new);
    this.languages = Weighted.of(
        bank.languages().stream().map(PhraseBank.Language::code).toArray(String[]::new),
        bank.languages().stream().mapToDouble(PhraseBank.Language::weight).toArray());
    this.regionsByLanguage = bank.languages().stream().map(l -> Weighted.of(l.regions())).toArray(Weighted[]::new);
    this.topics = bank.topics().toArray(PhraseBank.Topic[]::new);
    this.creators = Math.max(1, (rows + ROWS_PER_CREATOR - 1) / ROWS_PER_CREATOR);
  }

  /** A generator for the {@code generate} section of the config. */
  public static SyntheticItems of(EcolensConfig.GenerateSettings settings, Policy policy, PhraseBank bank) {
    return new SyntheticItems(
        settings.seed(),
        settings.rows(),
        settings.malformedShare(),
        settings.labelShare(),
        settings.annotatorErrorRates(),
        policy,
        bank);
  }

  // For a category the bank does not know: the policy's own violating examples, else its keywords.
  private static List<String> fallbackPhrases(Policy.Category category) {
    if (!category.examples().violating().isEmpty()) {
      return category.examples().violating();
    }
    List<String> keywords = category.rules().stream().flatMap(r -> r.keywords().stream()).toList();
    return keywords.isEmpty() ? List.of(category.definition() == null ? category.id() : category.definition()) : keywords;
  }

  /** Number of corpus lines (indices {@code 0..rows-1}). */
  public long rows() {
    return rows;
  }

  /** Exact number of malformed lines, duplicates included: {@code round(rows * malformedShare)}. */
  public long malformedRows() {
    return malformedRows;
  }

  /** The policy's category ids, in policy order. */
  public List<String> categoryIds() {
    return List.of(categoryIds);
  }

  /** The share of items that violate a category (a default table entry, or 2% when unknown). */
  public double prevalence(String categoryId) {
    int c = Arrays.asList(categoryIds).indexOf(categoryId);
    if (c < 0) {
      throw new IllegalArgumentException("not a category of the policy: " + categoryId);
    }
    return prevalence[c];
  }

  /** The violating phrases an item of this category can carry. */
  public List<String> phrases(String categoryId) {
    int c = Arrays.asList(categoryIds).indexOf(categoryId);
    if (c < 0) {
      throw new IllegalArgumentException("not a category of the policy: " + categoryId);
    }
    return List.of(categoryPhrases[c]);
  }

  /** The content id of the item at an index: {@code c} and at least eight digits. */
  public static String contentId(long index) {
    String digits = Long.toString(index);
    return digits.length() >= 8 ? "c" + digits : "c" + "0".repeat(8 - digits.length()) + digits;
  }

  /** The kind of the line at an index, or empty when it is a well-formed item. */
  public Optional<MalformedKind> malformedKind(long index) {
    checkIndex(index);
    if (malformedRows == 0) {
      return Optional.empty();
    }
    long block = Math.min(malformedRows - 1, (long) ((double) index * malformedRows / rows));
    while (block > 0 && blockStart(block) > index) {
      block--;
    }
    while (block + 1 < malformedRows && blockStart(block + 1) <= index) {
      block++;
    }
    long start = blockStart(block);
    long position = start + random(MALFORMED, block).nextLong(blockStart(block + 1) - start);
    if (position != index) {
      return Optional.empty();
    }
    MalformedKind kind = KINDS[(int) Math.floorMod(block + seed, (long) KINDS.length)];
    // Past MAX_HUGE_TEXT_LINES one-MiB lines a large corpus would be mostly padding (10M rows
    // would carry ~7 GB of it); later huge-text slots hold wrong-type lines instead.
    if (kind == MalformedKind.HUGE_TEXT && block / KINDS.length >= MAX_HUGE_TEXT_LINES) {
      kind = MalformedKind.WRONG_TYPES;
    }
    return Optional.of(kind);
  }

  // Block j of the malformed layout is [blockStart(j), blockStart(j + 1)); blockStart(m) == rows.
  private long blockStart(long block) {
    return block * (rows / malformedRows) + block * (rows % malformedRows) / malformedRows;
  }

  /** The category ids the item at an index violates (drawn for every index, malformed or not). */
  public List<String> violations(long index) {
    boolean[] flags = violationFlags(index);
    List<String> ids = new ArrayList<>(2);
    for (int c = 0; c < flags.length; c++) {
      if (flags[c]) {
        ids.add(categoryIds[c]);
      }
    }
    return ids;
  }

  private boolean[] violationFlags(long index) {
    SplittableRandom r = random(VIOLATION, index);
    boolean[] flags = new boolean[categoryIds.length];
    for (int c = 0; c < flags.length; c++) {
      flags[c] = r.nextDouble() < prevalence[c];
    }
    return flags;
  }

  /** When the item at an index was created: second precision, in the window before the reference. */
  public Instant createdAt(long index) {
    return REFERENCE_TIME.minusSeconds(1 + random(TIME, index).nextLong(WINDOW_DAYS * 86_400L));
  }

  /** Whether the (well-formed) item at an index gets human labels. */
  public boolean labeled(long index) {
    return malformedKind(index).isEmpty() && random(LABEL, index).nextDouble() < labelShare;
  }

  /** The well-formed item at an index (what the line is, or would be if it were not malformed). */
  public SyntheticItem item(long index) {
    checkIndex(index);
    SplittableRandom r = random(CONTENT, index);
    String format = formats.pick(r.nextDouble());
    int languageIndex = languages.index(r.nextDouble());
    PhraseBank.Language language = languageTables[languageIndex];
    String region = regionsByLanguage[languageIndex].pick(r.nextDouble());
    String creatorId = creatorId(zipfRank(r.nextDouble()));
    PhraseBank.Topic topic = topics[r.nextInt(topics.length)];
    String subject = pick(r, topic.subjects());
    int n = 2 + r.nextInt(9);
    boolean nativeText = !language.titles().isEmpty()
        && !language.descriptions().isEmpty()
        && r.nextDouble() < nativeTextShare;

    String title = nativeText ? pick(r, language.titles()) : capitalise(fill(pick(r, topic.titles()), subject, n));
    String description = nativeText ? pick(r, language.descriptions()) : capitalise(fill(pick(r, topic.descriptions()), subject, n));
    List<String> transcript = new ArrayList<>();
    int sentences = switch (format) {
      case "video", "live" -> 2 + r.nextInt(4);
      case "story" -> 1;
      default -> 0; // photo and text posts have no speech
    };
    for (int s = 0; s < sentences; s++) {
      transcript.add(nativeText ? pick(r, language.descriptions()) : fill(pick(r, topic.transcript()), subject, n));
    }
    List<String> hashtags = hashtags(r, topic);

    double views = Math.floor(Math.exp(6.0 + 2.2 * r.nextGaussian())); // log-normal, median ~400
    long viewCount = (long) Math.min(2.0e9, views);
    long likes = Math.round(viewCount * (0.01 + 0.12 * r.nextDouble() * r.nextDouble()));
    long comments = Math.round(likes * (0.01 + 0.09 * r.nextDouble()));
    long shares = Math.round(likes * (0.005 + 0.1 * r.nextDouble()));

    boolean[] flags = violationFlags(index);
    List<String> violations = new ArrayList<>(2);
    List<String> phrases = new ArrayList<>(2);
    String hardNegative = null;
    String[] fields = {title, description};
    for (int c = 0; c < flags.length; c++) {
      if (flags[c]) {
        String phrase = pick(r, categoryPhrases[c]);
        violations.add(categoryIds[c]);
        phrases.add(phrase);
        insert(r, phrase, fields, transcript);
      }
    }
    if (violations.isEmpty() && hardNegatives.length > 0 && r.nextDouble() < hardNegativeShare) {
      hardNegative = pick(r, hardNegatives);
      insert(r, hardNegative, fields, transcript);
    }
    return new SyntheticItem(
        contentId(index), creatorId, format, language.code(), region, createdAt(index),
        fields[0], fields[1], String.join(" ", transcript), hashtags,
        viewCount, likes, comments, shares, violations, phrases, hardNegative);
  }

  // Puts a phrase in the title, the description or between transcript sentences.
  private static void insert(SplittableRandom r, String phrase, String[] fields, List<String> transcript) {
    int where = r.nextInt(3);
    if (where == 2 && transcript.isEmpty()) {
      where = 1;
    }
    switch (where) {
      case 0 -> fields[0] = fields[0] + " | " + phrase;
      case 1 -> fields[1] = fields[1] + " " + phrase;
      default -> transcript.add(r.nextInt(transcript.size() + 1), phrase);
    }
  }

  private static List<String> hashtags(SplittableRandom r, PhraseBank.Topic topic) {
    List<String> pool = new ArrayList<>(topic.hashtags());
    int count = Math.min(pool.size(), 1 + r.nextInt(4));
    List<String> tags = new ArrayList<>(count + 1);
    for (int i = 0; i < count; i++) {
      tags.add(pool.remove(r.nextInt(pool.size())));
    }
    if (r.nextDouble() < 0.3) {
      tags.add("#fyp");
    }
    return tags;
  }

  // Inverse CDF of a power law x^-s on [1, creators]: a continuous stand-in for Zipf ranks.
  private long zipfRank(double u) {
    if (creators == 1) {
      return 1;
    }
    double a = 1 - ZIPF_EXPONENT;
    double x = Math.pow((Math.pow(creators, a) - 1) * u + 1, 1 / a);
    return Math.max(1, Math.min(creators, (long) x));
  }

  private static String creatorId(long rank) {
    String digits = Long.toString(rank);
    return digits.length() >= 7 ? "u" + digits : "u" + "0".repeat(7 - digits.length()) + digits;
  }

  /** The corpus line at an index: a well-formed item, or the malformed line its kind says. */
  public String corpusLine(long index) {
    Optional<MalformedKind> kind = malformedKind(index);
    if (kind.isEmpty()) {
      return write(node(item(index)));
    }
    SyntheticItem item = item(index);
    ObjectNode node = node(item);
    switch (kind.get()) {
      case BROKEN_JSON -> {
        String line = write(node);
        return line.substring(0, line.length() / 2);
      }
      case MISSING_ID -> node.remove("content_id");
      case WRONG_TYPES -> node.put("views", "lots");
      case EMPTY_TEXT -> {
        node.put("title", "").put("description", "").put("transcript", "");
        node.putArray("hashtags");
      }
      case HUGE_TEXT -> node.put("transcript", hugeText(item));
      case BAD_TIMESTAMP -> node.put("created_at", BAD_TIMESTAMP);
      case DUPLICATE_ID -> {
        long source = duplicateSource(index);
        // with no well-formed row at all (malformedShare 1) there is nothing to copy
        return source < 0 ? write(node) : corpusLine(source);
      }
    }
    return write(node);
  }

  /** The index of the well-formed line a duplicate_id line at this index copies, or -1. */
  public long duplicateSource(long index) {
    if (malformedRows == rows) {
      return -1;
    }
    SplittableRandom r = random(DUPLICATE, index);
    long start = index == 0 ? 0 : index - 1 - r.nextLong(Math.min(index, 1_000));
    for (long i = start; i >= 0; i--) {
      if (i != index && malformedKind(i).isEmpty()) {
        return i;
      }
    }
    for (long i = index + 1; i < rows; i++) {
      if (malformedKind(i).isEmpty()) {
        return i;
      }
    }
    return -1;
  }

  private static String hugeText(SyntheticItem item) {
    String unit = item.title() + ". " + item.description() + " ";
    StringBuilder text = new StringBuilder(HUGE_TEXT_CHARS + unit.length());
    while (text.length() < HUGE_TEXT_CHARS) {
      text.append(unit);
    }
    text.setLength(HUGE_TEXT_CHARS);
    return text.toString();
  }

  /** Ground truth of a well-formed item: one JSON line per category; none for malformed lines. */
  public List<String> truthLines(long index) {
    if (malformedKind(index).isPresent()) {
      return List.of();
    }
    boolean[] flags = violationFlags(index);
    String contentId = contentId(index);
    List<String> lines = new ArrayList<>(flags.length);
    for (int c = 0; c < flags.length; c++) {
      ObjectNode node = JSON.createObjectNode();
      node.put("content_id", contentId).put("category", categoryIds[c]).put("violates", flags[c]);
      lines.add(write(node));
    }
    return lines;
  }

  /**
   * Human labels of a labelled, well-formed item: one JSON line per category and annotator.
   * Annotator {@code i} (1-based) flips the true label with probability {@code errorRates[i-1]}.
   */
  public List<String> labelLines(long index) {
    if (malformedKind(index).isPresent()) {
      return List.of();
    }
    SplittableRandom r = random(LABEL, index);
    if (!(r.nextDouble() < labelShare)) {
      return List.of();
    }
    boolean[] truth = violationFlags(index);
    String contentId = contentId(index);
    Instant createdAt = createdAt(index);
    List<String> lines = new ArrayList<>(truth.length * annotatorErrorRates.length);
    for (int a = 0; a < annotatorErrorRates.length; a++) {
      String annotator = "annotator_" + (a + 1);
      String labeledAt = createdAt.plusSeconds(3_600 + r.nextLong(7 * 86_400L)).toString();
      for (int c = 0; c < truth.length; c++) {
        boolean flip = r.nextDouble() < annotatorErrorRates[a];
        ObjectNode node = JSON.createObjectNode();
        node.put("content_id", contentId)
            .put("category", categoryIds[c])
            .put("label", truth[c] != flip)
            .put("annotator_id", annotator)
            .put("labeled_at", labeledAt)
            .put("policy_version", policyVersion);
        lines.add(write(node));
      }
    }
    return lines;
  }

  /**
   * What the line at an index contributes to the manifest, as fact names to count:
   * {@code malformed:<kind>}, or {@code well_formed}, {@code violating:<category>} per violated
   * category and {@code labeled} when it gets labels.
   */
  public List<String> facts(long index) {
    Optional<MalformedKind> kind = malformedKind(index);
    if (kind.isPresent()) {
      return List.of("malformed:" + kind.get().id());
    }
    List<String> facts = new ArrayList<>(3);
    facts.add("well_formed");
    for (String categoryId : violations(index)) {
      facts.add("violating:" + categoryId);
    }
    if (labeled(index)) {
      facts.add("labeled");
    }
    return facts;
  }

  private static ObjectNode node(SyntheticItem item) {
    ObjectNode node = JSON.createObjectNode();
    node.put("content_id", item.contentId())
        .put("creator_id", item.creatorId())
        .put("format", item.format())
        .put("language", item.language())
        .put("region", item.region())
        .put("created_at", item.createdAt().toString())
        .put("title", item.title())
        .put("description", item.description())
        .put("transcript", item.transcript());
    ArrayNode tags = node.putArray("hashtags");
    item.hashtags().forEach(tags::add);
    node.put("views", item.views())
        .put("likes", item.likes())
        .put("comments", item.comments())
        .put("shares", item.shares());
    return node;
  }

  private static String write(ObjectNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a generated item as JSON", e);
    }
  }

  private SplittableRandom random(long stream, long index) {
    return new SplittableRandom(mix(mix(mix(seed) + stream) + index));
  }

  // SplitMix64's finaliser: nearby (seed, stream, index) triples get unrelated seeds.
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private void checkIndex(long index) {
    if (index < 0 || index >= rows) {
      throw new IndexOutOfBoundsException("row index " + index + " is outside [0, " + rows + ")");
    }
  }

  private static void share(String source, String key, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw Errors.config(source, key, "must be between 0 and 1, cannot be: " + value);
    }
  }

  private static String pick(SplittableRandom r, List<String> values) {
    return values.get(r.nextInt(values.size()));
  }

  private static String pick(SplittableRandom r, String[] values) {
    return values[r.nextInt(values.length)];
  }

  private static String fill(String template, String subject, int n) {
    return template.replace("{subject}", subject).replace("{n}", Integer.toString(n));
  }

  private static String capitalise(String text) {
    return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }

  /** Values with weights, drawn by a uniform number in [0, 1). */
  /**
   * Values with cumulative probabilities. The record's constructor takes the cumulative array
   * as is: Java deserialization calls it again on executors, so it must not transform its input.
   */
  private record Weighted(String[] values, double[] cumulative) implements Serializable {
    static Weighted of(Map<String, Double> weights) {
      return of(weights.keySet().toArray(String[]::new),
          weights.values().stream().mapToDouble(Double::doubleValue).toArray());
    }

    static Weighted of(String[] values, double[] weights) {
      double total = 0;
      double[] sums = new double[weights.length];
      for (int i = 0; i < weights.length; i++) {
        total += weights[i];
        sums[i] = total;
      }
      for (int i = 0; i < sums.length; i++) {
        sums[i] /= total;
      }
      return new Weighted(values, sums);
    }

    int index(double u) {
      for (int i = 0; i < cumulative.length - 1; i++) {
        if (u < cumulative[i]) {
          return i;
        }
      }
      return cumulative.length - 1;
    }

    String pick(double u) {
      return values[index(u)];
    }
  }
}
