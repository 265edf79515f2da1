package io.ecolens.generate;

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
 *
 * <p>The random streams are {@link RandomStreams}, where the malformed lines fall is {@link
 * MalformedLayout}, an item's fields come from {@link ItemComposer} and its JSON from {@link ItemJson};
 * this class holds the settings and the category tables and writes the corpus, truth and label lines.
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

  private final RandomStreams streams;
  private final MalformedLayout layout;
  private final ItemComposer composer;
  private final long rows;
  private final long malformedRows;
  private final double labelShare;
  private final double[] annotatorErrorRates;
  private final AnnotatorErrors annotators;
  private final String policyVersion;
  private final String[] categoryIds;
  private final double[] prevalence;
  private final String[][] categoryPhrases;

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
      throw Errors.config(source, "generate.annotator-error-rates", "needs at least one annotator, e.g. [0.10, 0.20, 0.30]");
    }
    for (int i = 0; i < annotatorErrorRates.size(); i++) {
      share(source, "generate.annotator-error-rates[" + i + "]", annotatorErrorRates.get(i));
    }
    if (policy == null || policy.categories().isEmpty()) {
      throw Errors.config(source, "score.policy", "the policy needs at least one category to generate violations for");
    }
    this.streams = new RandomStreams(seed);
    this.rows = rows;
    this.malformedRows = Math.min(rows, Math.round(rows * malformedShare));
    this.layout = new MalformedLayout(streams, rows, malformedRows);
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
    this.annotators = new AnnotatorErrors(this.annotatorErrorRates, categories, prevalence);
    long creators = Math.max(1, (rows + ROWS_PER_CREATOR - 1) / ROWS_PER_CREATOR);
    this.composer = new ItemComposer(bank, categoryIds, categoryPhrases, negatives.toArray(String[]::new), creators);
  }

  /** How this generator's annotators err. */
  AnnotatorErrors annotatorErrors() {
    return annotators;
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
    return layout.kind(index);
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
    SplittableRandom r = streams.random(RandomStreams.VIOLATION, index);
    boolean[] flags = new boolean[categoryIds.length];
    for (int c = 0; c < flags.length; c++) {
      flags[c] = r.nextDouble() < prevalence[c];
    }
    return flags;
  }

  /** When the item at an index was created: second precision, in the window before the reference. */
  public Instant createdAt(long index) {
    return REFERENCE_TIME.minusSeconds(1 + streams.random(RandomStreams.TIME, index).nextLong(WINDOW_DAYS * 86_400L));
  }

  /** Whether the (well-formed) item at an index gets human labels. */
  public boolean labeled(long index) {
    return malformedKind(index).isEmpty() && streams.random(RandomStreams.LABEL, index).nextDouble() < labelShare;
  }

  /** The well-formed item at an index (what the line is, or would be if it were not malformed). */
  public SyntheticItem item(long index) {
    checkIndex(index);
    return composer.compose(contentId(index), createdAt(index), streams.random(RandomStreams.CONTENT, index),
        violationFlags(index));
  }

  /** The corpus line at an index: a well-formed item, or the malformed line its kind says. */
  public String corpusLine(long index) {
    Optional<MalformedKind> kind = malformedKind(index);
    if (kind.isEmpty()) {
      return ItemJson.write(ItemJson.node(item(index)));
    }
    SyntheticItem item = item(index);
    ObjectNode node = ItemJson.node(item);
    switch (kind.get()) {
      case BROKEN_JSON -> {
        String line = ItemJson.write(node);
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
        return source < 0 ? ItemJson.write(node) : corpusLine(source);
      }
    }
    return ItemJson.write(node);
  }

  /** The index of the well-formed line a duplicate_id line at this index copies, or -1. */
  public long duplicateSource(long index) {
    return layout.duplicateSource(index);
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
      ObjectNode node = ItemJson.object();
      node.put("content_id", contentId).put("category", categoryIds[c]).put("violates", flags[c]);
      lines.add(ItemJson.write(node));
    }
    return lines;
  }

  /**
   * Human labels of a labelled, well-formed item: one JSON line per category and annotator.
   * Annotator {@code i} (1-based) errs as {@link AnnotatorErrors} says: it misses a violation at its
   * configured rate times the category's difficulty, and its false flags number a tenth of its misses.
   */
  public List<String> labelLines(long index) {
    if (malformedKind(index).isPresent()) {
      return List.of();
    }
    SplittableRandom r = streams.random(RandomStreams.LABEL, index);
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
        boolean label = annotators.label(a, c, truth[c], r.nextDouble());
        ObjectNode node = ItemJson.object();
        node.put("content_id", contentId)
            .put("category", categoryIds[c])
            .put("label", label)
            .put("annotator_id", annotator)
            .put("labeled_at", labeledAt)
            .put("policy_version", policyVersion);
        lines.add(ItemJson.write(node));
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
}
