package io.ecolens.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * An experiment file ({@code conf/experiments/*.yaml}): named scorer variants run over one sample
 * with one set of human labels.
 *
 * <p>Each variant's config is, lowest precedence first: the {@code base} pipeline config, the
 * experiment's {@code set} overrides, the command line's {@code --set}, then the variant's own
 * {@code score} section. Everything but {@code score} is therefore shared by all variants: the
 * corpus, the sample, the labels, the catalog.
 */
public record ExperimentConfig(
    String name,
    String description,
    String base,
    Map<String, JsonNode> set,
    String sampleRun,
    String baseline,
    BootstrapSettings bootstrap,
    Integer examples,
    Integer maxItems,
    List<VariantSettings> variants) {

  public ExperimentConfig {
    description = description == null ? "" : description;
    base = base == null ? "conf/local.yaml" : base;
    set = set == null ? Map.of() : set;
    bootstrap = bootstrap == null ? new BootstrapSettings(null, null) : bootstrap;
    examples = examples == null ? 3 : examples;
    maxItems = maxItems == null ? 20_000 : maxItems;
    variants = variants == null ? List.of() : variants;
  }

  /** The paired bootstrap: replicates and seed. */
  public record BootstrapSettings(Integer iterations, Long seed) {
    public BootstrapSettings {
      iterations = iterations == null ? 1000 : iterations;
      seed = seed == null ? 7L : seed;
    }
  }

  /**
   * One variant: a name, the {@code score} settings that differ from the base config, and, for
   * an {@code openai} variant, an optional in-process simulator to score against.
   */
  public record VariantSettings(String name, String description, JsonNode score, SimulatorSettings simulator) {
    public VariantSettings {
      description = description == null ? "" : description;
    }
  }

  /**
   * An OpenAI-compatible simulator started on loopback for the variant's scoring (and stopped
   * after it): it serves the variant's {@code score.openai.model} and answers with the rules of the
   * variant's policy, after {@code latency-ms}.
   */
  public record SimulatorSettings(Long latencyMs, Integer maxConcurrency) {
    public SimulatorSettings {
      latencyMs = latencyMs == null ? 50L : latencyMs;
      maxConcurrency = maxConcurrency == null ? 0 : maxConcurrency;
    }
  }
}
