package io.ecolens.score;

import io.ecolens.scorer.RulesScorer;
import io.ecolens.scorer.Scorer;
import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig;
import io.ecolens.config.EmbeddedMode;
import io.ecolens.config.ScorerType;
import io.ecolens.policy.Policy;
import io.ecolens.scorer.cascade.CascadeScorer;
import io.ecolens.scorer.cascade.CascadeSpec;
import io.ecolens.scorer.embedded.EmbeddedScorer;
import io.ecolens.scorer.embedded.EmbeddedSpec;
import io.ecolens.scorer.embedded.TrainedHeads;
import io.ecolens.scorer.openai.OpenAiScorer;
import io.ecolens.config.OpenAiSettings;
import io.ecolens.scorer.openai.PromptBuilder;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an executor needs to build a scorer: the type, the policy, and the settings of the scorer
 * types that need some. Serializable and small; the scorer itself is built once per executor JVM
 * and shared by its tasks (models are expensive). The one place that reads the scorer type names
 * of the configuration ({@code score.scorer}, the cascade's steps, {@code score.embedded.mode}).
 */
public record ScorerSpec(ScorerType type, Policy policy, EmbeddedSpec embedded, CascadeSpec cascade,
    OpenAiSettings openai) implements Serializable {
  private static final ConcurrentHashMap<ScorerSpec, Scorer> PER_JVM = new ConcurrentHashMap<>();

  public ScorerSpec {
    embedded = embedded == null ? EmbeddedSpec.ZERO_SHOT : embedded;
    cascade = cascade == null ? new CascadeSpec(ScorerType.EMBEDDED, ScorerType.RULES, 0.15, null) : cascade;
    openai = openai == null ? OpenAiSettings.defaults() : openai;
  }

  /** A spec with the embedded and cascade settings given and the endpoint settings defaulted. */
  public ScorerSpec(ScorerType type, Policy policy, EmbeddedSpec embedded, CascadeSpec cascade) {
    this(type, policy, embedded, cascade, null);
  }

  /** A spec with default settings for the types that have some. */
  public ScorerSpec(ScorerType type, Policy policy) {
    this(type, policy, null, null, null);
  }

  /**
   * The spec of the configured scorer. Resolves on the driver what executors must not look up
   * themselves: the trained heads of the policy version ({@code score.embedded.mode}).
   */
  public static ScorerSpec of(EcolensConfig config, Policy policy, org.apache.hadoop.conf.Configuration hadoop) {
    EcolensConfig.ScoreSettings score = config.score();
    EcolensConfig.EmbeddedSettings e = score.embedded();
    TrainedHeads heads = null;
    if (score.usesTrainedHeads()) {
      String root = e.headsRoot(config.catalog().warehouse());
      heads = TrainedHeads.find(root, policy, e.model(), hadoop);
      if (heads == null && (e.mode() == EmbeddedMode.TRAINED || e.mode() == EmbeddedMode.CALIBRATED)) {
        throw Errors.missingInput("trained heads for policy " + policy.id() + " " + policy.version() + " on "
            + e.model(), TrainedHeads.location(root, policy, e.model()).toString(),
            "Run 'train' on a run with human labels first, or set score.embedded.mode to auto or zero-shot.");
      }
      if (e.mode() == EmbeddedMode.CALIBRATED) {
        heads = heads.calibratedOnly();
      }
      boolean noneFitted = e.mode() == EmbeddedMode.TRAINED ? heads.categories().isEmpty()
          : e.mode() == EmbeddedMode.CALIBRATED && heads.calibration().isEmpty();
      if (noneFitted) {
        throw Errors.missingInput("trained " + (e.mode() == EmbeddedMode.TRAINED ? "heads" : "calibration")
            + " for policy " + policy.id() + " " + policy.version(), TrainedHeads.location(root, policy, e.model())
            .toString(), "'train' fitted none (too few labels of one class); label more items, or set "
            + "score.embedded.mode to auto.");
      }
    }
    EcolensConfig.CascadeSettings c = score.cascade();
    return new ScorerSpec(score.scorer(), policy, new EmbeddedSpec(e.model(), e.maxTokens(), e.intraOpThreads(), heads),
        new CascadeSpec(c.first(), c.second(), c.band(), c.targetShare(),
            c.tolerance() == null ? null : new CascadeSpec.Pilot(c.tolerance(), c.pilotItems()), null), score.openai());
  }

  /**
   * The same settings for another scorer type (a cascade's steps). A step is no cascade: it leaves
   * the cascade's settings behind, so that cascades differing only in their bands (a pilot and the
   * bands fitted on it) share one instance of each step in a JVM ({@link #scorer}).
   */
  public ScorerSpec withType(ScorerType otherType) {
    return new ScorerSpec(otherType, policy, embedded, otherType == ScorerType.CASCADE ? cascade : null, openai);
  }

  /** The scorer for this spec in this JVM, built on first use. */
  public Scorer scorer() {
    Scorer s = PER_JVM.get(this);
    if (s == null) {
      // not computeIfAbsent: a cascade builds its steps through this same map
      synchronized (PER_JVM) {
        s = PER_JVM.get(this);
        if (s == null) {
          s = create();
          PER_JVM.put(this, s);
        }
      }
    }
    return s;
  }

  /** Builds a new scorer. */
  public Scorer create() {
    return switch (type) {
      case RULES -> new RulesScorer(policy);
      case EMBEDDED -> new EmbeddedScorer(policy, embedded);
      case CASCADE -> new CascadeScorer(withType(cascade.first()).scorer(), withType(cascade.second()).scorer(),
          policy, cascade);
      case OPENAI -> new OpenAiScorer(openai, policy);
    };
  }

  /** Model id of the scorer, known on the driver without building the scorer. */
  public String model() {
    return switch (type) {
      case RULES -> "rules:" + policy.id();
      case EMBEDDED -> embedded.model();
      case CASCADE -> "cascade:" + withType(cascade.first()).model() + ">" + withType(cascade.second()).model()
          + "@" + cascade.describeBand();
      case OPENAI -> openai.model();
    };
  }

  /**
   * Hash of everything that decides the scorer's output besides the item and the model: the
   * policy (definitions, thresholds, rules, prompt) and its version.
   */
  public String promptHash() {
    if (type == ScorerType.OPENAI) {
      return new PromptBuilder(policy).promptHash();
    }
    if (type == ScorerType.CASCADE && cascade.second() == ScorerType.OPENAI) {
      // the LLM step's prompt decides escalated items: a new prompt must not reuse old rows
      return Policy.sha256(type + "\u001f" + policy.version() + "\u001f" + policy + "\u001f"
          + new PromptBuilder(policy).promptHash());
    }
    return Policy.sha256(type + "\u001f" + policy.version() + "\u001f" + policy);
  }

  /**
   * True when this scorer sends items to an LLM endpoint ({@code openai}, or a cascade whose second
   * step is {@code openai}): the score stage then scores in committed chunks with the job's global
   * limits shared out across tasks, and never pays twice for an item.
   */
  public boolean sendsToLlm() {
    return type == ScorerType.OPENAI || (type == ScorerType.CASCADE && cascade.second() == ScorerType.OPENAI);
  }

  /**
   * The policy's categories the embedded scorer (alone or as a cascade step) decides at the policy's
   * hand-set zero-shot threshold: no trained head and no calibration fitted to labels. Empty when the
   * embedded scorer takes no part.
   */
  public List<String> uncalibratedCategories() {
    List<String> out = new ArrayList<>();
    if (!ScorerType.usesEmbedded(type, cascade.first(), cascade.second())) {
      return out;
    }
    TrainedHeads fit = embedded.heads();
    for (Policy.Category c : policy.categories()) {
      if (fit == null || !(fit.categories().containsKey(c.id()) || fit.calibration().containsKey(c.id()))) {
        out.add(c.id());
      }
    }
    return out;
  }

  /** True for a cascade: its figures ({@link CascadeFigures}) are written with its scores. */
  public boolean isCascade() {
    return type == ScorerType.CASCADE;
  }

  /** The scorer as the Spark UI and the log name it, e.g. {@code rules} or {@code openai m at http://...}. */
  public String describe() {
    return sendsToLlm() ? "openai " + openai.model() + " at " + openai.endpoint() : type.id();
  }

  /**
   * Checks on the driver, before any item is sent, what would otherwise fail every request of a
   * scorer that {@linkplain #sendsToLlm sends to an LLM}; nothing for the others.
   */
  public void preflight() {
    if (sendsToLlm() && !openai.endpoint().startsWith("file:")) { // a folder of batch files has no /models
      OpenAiScorer.preflight(openai);
    }
  }
}
