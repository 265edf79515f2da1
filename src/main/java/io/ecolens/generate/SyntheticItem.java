package io.ecolens.generate;

import java.time.Instant;
import java.util.List;

/**
 * One well-formed synthetic item as the generator made it, with the truth behind it:
 * {@code violations} are the category ids it violates and {@code phrases} the violating phrases
 * inserted into its text (same order); {@code hardNegative} is the benign rule-tripping text it
 * carries, or null.
 */
public record SyntheticItem(
    String contentId,
    String creatorId,
    String format,
    String language,
    String region,
    Instant createdAt,
    String title,
    String description,
    String transcript,
    List<String> hashtags,
    long views,
    long likes,
    long comments,
    long shares,
    List<String> violations,
    List<String> phrases,
    String hardNegative) {

  public SyntheticItem {
    hashtags = List.copyOf(hashtags);
    violations = List.copyOf(violations);
    phrases = List.copyOf(phrases);
  }

  /** Title, description and transcript joined by newlines, for "does the text contain" checks. */
  public String text() {
    return title + "\n" + description + "\n" + transcript;
  }
}
