package io.ecolens.score;

import io.ecolens.policy.Policy;
import io.ecolens.score.openai.OpenAiScorer;
import io.ecolens.score.openai.OpenAiSettings;
import io.ecolens.score.openai.PromptBuilder;
import java.io.Serializable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an executor needs to build a scorer: the type and the policy. Serializable and small; the
 * scorer itself is built once per executor JVM and shared by its tasks (models are expensive).
 */
public record ScorerSpec(String type, Policy policy, OpenAiSettings openai) implements Serializable {
  private static final ConcurrentHashMap<ScorerSpec, Scorer> PER_JVM = new ConcurrentHashMap<>();

  /** A spec for a scorer that needs no endpoint settings. */
  public ScorerSpec(String type, Policy policy) {
    this(type, policy, OpenAiSettings.defaults());
  }

  /** The scorer for this spec in this JVM, built on first use. */
  public Scorer scorer() {
    return PER_JVM.computeIfAbsent(this, ScorerSpec::create);
  }

  /** Builds a new scorer. */
  public Scorer create() {
    return switch (type) {
      case "rules" -> new RulesScorer(policy);
      case "openai" -> new OpenAiScorer(openai, policy);
      default -> throw new IllegalArgumentException("unknown scorer type: " + type);
    };
  }

  /** Model id of the scorer, known on the driver without building the scorer. */
  public String model() {
    return switch (type) {
      case "rules" -> "rules:" + policy.id();
      case "openai" -> openai.model();
      default -> type;
    };
  }

  /**
   * Hash of everything that decides the scorer's output besides the item and the model: the
   * policy (definitions, thresholds, rules, prompt) and its version.
   */
  public String promptHash() {
    if (type.equals("openai")) {
      return new PromptBuilder(policy).promptHash();
    }
    return Policy.sha256(type + "\u001f" + policy.version() + "\u001f" + policy);
  }
}
