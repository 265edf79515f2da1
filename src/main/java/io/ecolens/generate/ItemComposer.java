package io.ecolens.generate;

import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes a well-formed item from its content random stream: format, language, region and
 * creator (Zipf-distributed), text from a topic's templates or the language's native lines,
 * hashtags and engagement counts; then puts each violated category's phrase, or else sometimes a
 * hard negative, into the title, the description or the transcript.
 */
final class ItemComposer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String[] categoryIds;
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

  /** A composer for the bank's tables, the policy's categories (with their phrases) and this many creators. */
  ItemComposer(PhraseBank bank, String[] categoryIds, String[][] categoryPhrases, String[] hardNegatives,
      long creators) {
    this.categoryIds = categoryIds;
    this.categoryPhrases = categoryPhrases;
    this.hardNegatives = hardNegatives;
    this.hardNegativeShare = bank.hardNegativeShare();
    this.nativeTextShare = bank.nativeTextShare();
    this.formats = Weighted.of(bank.formats());
    this.languageTables = bank.languages().toArray(PhraseBank.Language[]::new);
    this.languages = Weighted.of(
        bank.languages().stream().map(PhraseBank.Language::code).toArray(String[]::new),
        bank.languages().stream().mapToDouble(PhraseBank.Language::weight).toArray());
    this.regionsByLanguage = bank.languages().stream().map(l -> Weighted.of(l.regions())).toArray(Weighted[]::new);
    this.topics = bank.topics().toArray(PhraseBank.Topic[]::new);
    this.creators = creators;
  }

  /**
   * The item drawn from {@code r} (the item's content stream), violating the categories whose
   * {@code flags} are set.
   */
  SyntheticItem compose(String contentId, Instant createdAt, SplittableRandom r, boolean[] flags) {
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
        contentId, creatorId, format, language.code(), region, createdAt,
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
    double a = 1 - SyntheticItems.ZIPF_EXPONENT;
    double x = Math.pow((Math.pow(creators, a) - 1) * u + 1, 1 / a);
    return Math.max(1, Math.min(creators, (long) x));
  }

  private static String creatorId(long rank) {
    String digits = Long.toString(rank);
    return digits.length() >= 7 ? "u" + digits : "u" + "0".repeat(7 - digits.length()) + digits;
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
}
