package io.ecolens.generate;

import io.ecolens.Yaml;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ecolens.Errors;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text tables of the synthetic corpus (topics, languages, formats, violating phrases per
 * category with their prevalence, hard negatives), read from the {@code phrases.yaml} resource.
 */
public record PhraseBank(
    Double hardNegativeShare,
    Double nativeTextShare,
    Map<String, Double> formats,
    List<Language> languages,
    List<Topic> topics,
    List<String> hardNegatives,
    Map<String, CategoryPhrases> categories) implements Serializable {

  /** The resource the default bank is read from. */
  public static final String RESOURCE = "/io/ecolens/generate/phrases.yaml";

  public PhraseBank {
    hardNegativeShare = hardNegativeShare == null ? 0.0 : hardNegativeShare;
    nativeTextShare = nativeTextShare == null ? 0.0 : nativeTextShare;
    formats = ordered(formats);
    languages = languages == null ? List.of() : List.copyOf(languages);
    topics = topics == null ? List.of() : List.copyOf(topics);
    hardNegatives = hardNegatives == null ? List.of() : List.copyOf(hardNegatives);
    categories = ordered(categories);
  }

  /** A language, its share of items, the regions it is posted from and its own benign lines. */
  public record Language(
      String code, Double weight, Map<String, Double> regions, List<String> titles, List<String> descriptions)
      implements Serializable {
    public Language {
      regions = ordered(regions);
      titles = titles == null ? List.of() : List.copyOf(titles);
      descriptions = descriptions == null ? List.of() : List.copyOf(descriptions);
    }
  }

  /** A benign topic: templates with {@code {subject}} and {@code {n}} slots, and its hashtags. */
  public record Topic(
      String id,
      List<String> hashtags,
      List<String> subjects,
      List<String> titles,
      List<String> descriptions,
      List<String> transcript) implements Serializable {
    public Topic {
      hashtags = List.copyOf(hashtags);
      subjects = List.copyOf(subjects);
      titles = List.copyOf(titles);
      descriptions = List.copyOf(descriptions);
      transcript = List.copyOf(transcript);
    }
  }

  /**
   * The violating phrases of one category: {@code caught} ones trip the default policy's rules,
   * {@code missed} ones paraphrase the harm past them.
   */
  public record CategoryPhrases(Double prevalence, List<String> caught, List<String> missed)
      implements Serializable {
    public CategoryPhrases {
      caught = caught == null ? List.of() : List.copyOf(caught);
      missed = missed == null ? List.of() : List.copyOf(missed);
    }
  }

  /** The bank shipped with ecolens. */
  public static PhraseBank defaults() {
    try (InputStream in = PhraseBank.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw Errors.stageFailed("generate", "the resource " + RESOURCE + " is missing from the classpath; rebuild the jar", null);
      }
      return parse(RESOURCE, in);
    } catch (IOException e) {
      throw Errors.stageFailed("generate", "cannot read " + RESOURCE + ": " + e.getMessage(), e);
    }
  }

  /** Parses a bank from YAML; {@code source} names it in errors. */
  public static PhraseBank parse(String source, InputStream in) throws IOException {
    ObjectMapper yaml = Yaml.mapper();
    try {
      PhraseBank bank = yaml.readValue(in, PhraseBank.class);
      if (bank == null || bank.formats().isEmpty() || bank.languages().isEmpty() || bank.topics().isEmpty()) {
        throw Errors.config(source, "(file)", "needs non-empty 'formats', 'languages' and 'topics'");
      }
      return bank;
    } catch (JsonProcessingException e) {
      throw Errors.config(source, "(file)", e.getOriginalMessage(), e);
    }
  }

  /** The phrases of a category id, or null when the bank does not know the id. */
  public CategoryPhrases category(String categoryId) {
    return categories.get(categoryId);
  }

  // Jackson binds YAML maps to LinkedHashMap; keep that order, since weighted draws depend on it.
  private static <V> Map<String, V> ordered(Map<String, V> map) {
    return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }
}
