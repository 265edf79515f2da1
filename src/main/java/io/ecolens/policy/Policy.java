package io.ecolens.policy;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A moderation policy: versioned categories with definitions, severity, thresholds, examples,
 * keyword/regex rules and a prompt template. Loaded from {@code conf/policies/*.yaml}.
 */
public record Policy(String id, String version, String description, List<Category> categories, Prompt prompt)
    implements Serializable {

  public Policy {
    categories = List.copyOf(categories);
  }

  /** The category with this id, or null. */
  public Category category(String categoryId) {
    return categories.stream().filter(c -> c.id().equals(categoryId)).findFirst().orElse(null);
  }

  /** One policy category. */
  public record Category(
      String id,
      String name,
      String severity,
      Double threshold,
      String definition,
      Examples examples,
      List<Rule> rules,
      Embedded embedded) implements Serializable {
    public Category {
      threshold = threshold == null ? 0.5 : threshold;
      examples = examples == null ? new Examples(null, null) : examples;
      rules = rules == null ? List.of() : List.copyOf(rules);
      embedded = embedded == null ? new Embedded(null, null, null) : embedded;
    }

    /** A category without embedded-scorer calibration (the defaults apply). */
    public Category(String id, String name, String severity, Double threshold, String definition,
        Examples examples, List<Rule> rules) {
      this(id, name, severity, threshold, definition, examples, rules, null);
    }
  }

  /**
   * Optional calibration of the {@code embedded} scorer for one category. The zero-shot score is
   * {@code sigmoid(scale * (similarity - center))}, where similarity is the item's cosine
   * similarity to the closest of the definition and violating examples, lowered by how much
   * closer the item is to an allowed example. An item is labelled violating at or above
   * {@code threshold}; when it is absent the category's {@code threshold} applies.
   */
  public record Embedded(Double threshold, Double center, Double scale) implements Serializable {
    public Embedded {
      center = center == null ? 0.35 : center;
      scale = scale == null ? 12.0 : scale;
    }
  }

  /** Short example texts that violate, and that are allowed though they look close. */
  public record Examples(List<String> violating, List<String> allowed) implements Serializable {
    public Examples {
      violating = violating == null ? List.of() : List.copyOf(violating);
      allowed = allowed == null ? List.of() : List.copyOf(allowed);
    }
  }

  /**
   * A rule for the {@code rules} scorer: any of the keywords (whole words, case-insensitive) or
   * the regex matching adds evidence {@code weight} in 0..1.
   */
  public record Rule(List<String> keywords, String regex, Double weight) implements Serializable {
    public Rule {
      keywords = keywords == null ? List.of() : List.copyOf(keywords);
      weight = weight == null ? 0.6 : weight;
    }
  }

  /** The prompt template an LLM scorer renders; its version is part of the prompt hash. */
  public record Prompt(String version, String system) implements Serializable {}

  /** SHA-256 (hex) of a string; used for content, prompt and config fingerprints. */
  public static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
