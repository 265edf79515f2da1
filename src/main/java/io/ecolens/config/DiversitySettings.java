package io.ecolens.config;

import java.util.List;
import java.util.Map;

/**
 * What the diversity metrics compare against and how much work they may do.
 *
 * @param expected expected values per dimension (format, language, region, topic) for coverage;
 *     a dimension without a list gets no coverage row
 * @param topK k of the {@code top<k>_share} metric (share of the k most frequent values)
 * @param creatorTopShare share of creators counted as "top" for creator concentration (0.01 = top 1%)
 * @param semanticMaxItems at most this many sampled items are embedded for semantic diversity
 * @param maxTokens model window for those embeddings
 * @param nearDuplicateSimilarity Jaccard similarity of word 3-gram sets at or above which two items
 *     are near-duplicates
 * @param nearDuplicateMaxItems at most this many corpus items go through MinHash LSH
 * @param seed seed of the bounded draws and of the MinHash functions
 */
public record DiversitySettings(Map<String, List<String>> expected, int topK, double creatorTopShare,
    int semanticMaxItems, int maxTokens, double nearDuplicateSimilarity, int nearDuplicateMaxItems, long seed) {

  /** Content formats a short-video platform expects to see. */
  public static final List<String> DEFAULT_FORMATS = List.of("video", "photo", "live", "story", "text");

  public DiversitySettings {
    expected = expected == null ? Map.of() : Map.copyOf(expected);
    if (topK < 1) {
      throw new IllegalArgumentException("topK must be at least 1, cannot be: " + topK);
    }
    if (!(creatorTopShare > 0 && creatorTopShare <= 1)) {
      throw new IllegalArgumentException("creatorTopShare must be in (0, 1], cannot be: " + creatorTopShare);
    }
    if (semanticMaxItems < 0 || nearDuplicateMaxItems < 0) {
      throw new IllegalArgumentException("item caps must not be negative, cannot be: " + semanticMaxItems + ", "
          + nearDuplicateMaxItems);
    }
    if (!(nearDuplicateSimilarity > 0 && nearDuplicateSimilarity <= 1)) {
      throw new IllegalArgumentException(
          "nearDuplicateSimilarity must be in (0, 1], cannot be: " + nearDuplicateSimilarity);
    }
  }

  /**
   * The defaults: formats from {@link #DEFAULT_FORMATS}, topics from {@code topics} (the policy's
   * categories and "none"), top 5, top 1% of creators, 2,000 embedded items, similarity 0.8 over
   * at most 20,000 corpus items.
   */
  public static DiversitySettings defaults(List<String> topics) {
    return new DiversitySettings(Map.of("format", DEFAULT_FORMATS, "topic", topics), 5, 0.01, 2000, 256, 0.8,
        20_000, 17);
  }

  /** A copy with another cap on embedded items (0 turns semantic diversity off). */
  public DiversitySettings withSemanticMaxItems(int items) {
    return new DiversitySettings(expected, topK, creatorTopShare, items, maxTokens, nearDuplicateSimilarity,
        nearDuplicateMaxItems, seed);
  }
}
