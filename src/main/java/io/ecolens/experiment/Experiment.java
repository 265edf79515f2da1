package io.ecolens.experiment;

import io.ecolens.config.ScorerType;

import io.ecolens.Yaml;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.ecolens.EcolensException;
import io.ecolens.Errors;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A loaded and validated experiment: its settings, the shared base config, and each variant's
 * full config. Errors name the experiment file, the key and what is expected.
 */
public final class Experiment {
  private static final ObjectMapper YAML = Yaml.mapper();
  private static final String NAME = "[A-Za-z0-9][A-Za-z0-9_-]{0,39}";

  private final String source;
  private final ExperimentConfig settings;
  private final EcolensConfig base;
  private final List<Variant> variants;

  /** One variant: its settings and the overrides that turn the base config into its config. */
  public record Variant(String name, String description, List<String> overrides,
      ExperimentConfig.SimulatorSettings simulator, Path baseFile, String source) {
    /** The variant's config; {@code endpoint} (when not null) replaces score.openai.endpoint. */
    public EcolensConfig config(String endpoint) {
      List<String> all = new ArrayList<>(overrides);
      if (endpoint != null) {
        all.add("score.openai.endpoint=" + endpoint);
      }
      try {
        return ConfigLoader.load(baseFile, all);
      } catch (EcolensException e) {
        throw Errors.config(source, "variants[" + name + "].score", e.getMessage(), e);
      }
    }
  }

  private Experiment(String source, ExperimentConfig settings, EcolensConfig base, List<Variant> variants) {
    this.source = source;
    this.settings = settings;
    this.base = base;
    this.variants = List.copyOf(variants);
  }

  /** Reads {@code file}; {@code overrides} are the command line's --set, applied to every variant. */
  public static Experiment load(Path file, List<String> overrides) {
    String source = file.toString();
    ExperimentConfig c = read(file);
    check(source, "name", c.name() != null && c.name().matches(NAME),
        "give the experiment a name of letters, digits, '_' or '-' (at most 40), found '" + c.name() + "'");
    check(source, "bootstrap.iterations", c.bootstrap().iterations() >= 100 && c.bootstrap().iterations() <= 100_000,
        "expected 100..100000 replicates, found " + c.bootstrap().iterations());
    check(source, "examples", c.examples() >= 0 && c.examples() <= 50,
        "expected 0..50 disagreement examples each way, found " + c.examples());
    check(source, "max-items", c.maxItems() >= 1, "must be at least 1, found " + c.maxItems());
    check(source, "variants", c.variants().size() >= 2,
        "an experiment compares at least two variants, found " + c.variants().size());
    Path baseFile = Path.of(c.base());
    check(source, "base", Files.isRegularFile(baseFile),
        "no pipeline config at " + baseFile.toAbsolutePath() + "; point it at e.g. conf/local.yaml");

    List<String> shared = new ArrayList<>();
    c.set().forEach((key, value) -> shared.add(key + "=" + value.toString()));
    shared.addAll(overrides);
    EcolensConfig base;
    try {
      base = ConfigLoader.load(baseFile, shared);
    } catch (EcolensException e) {
      throw Errors.config(source, "set", e.getMessage(), e);
    }

    Set<String> names = new HashSet<>();
    List<Variant> variants = new ArrayList<>();
    for (int i = 0; i < c.variants().size(); i++) {
      ExperimentConfig.VariantSettings v = c.variants().get(i);
      String key = "variants[" + i + "]";
      check(source, key + ".name", v.name() != null && v.name().matches(NAME),
          "a variant name of letters, digits, '_' or '-' (at most 40), found '" + v.name() + "'");
      check(source, key + ".name", names.add(v.name()), "two variants are named '" + v.name() + "'");
      check(source, key + ".score", v.score() == null || v.score().isObject(),
          "expected a mapping of score settings such as 'scorer: openai', found " + v.score());
      List<String> mine = new ArrayList<>(shared);
      if (v.score() != null) {
        flatten("score", v.score(), mine);
      }
      Variant variant = new Variant(v.name(), v.description(), mine, v.simulator(), baseFile, source);
      EcolensConfig config = variant.config(v.simulator() == null ? null : "http://127.0.0.1:1/v1");
      check(source, key + ".simulator", v.simulator() == null || config.score().scorer() == ScorerType.OPENAI,
          "a simulator only serves an openai variant; this one's scorer is " + config.score().scorer());
      variants.add(variant);
    }
    check(source, "baseline", c.baseline() == null || names.contains(c.baseline()),
        "'" + c.baseline() + "' is not a variant; expected one of " + names.stream().sorted().toList());
    return new Experiment(source, c, base, variants);
  }

  private static ExperimentConfig read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw Errors.unreadableConfig(file.toString(), new IOException("no such file (working directory: "
          + Path.of("").toAbsolutePath() + ")"));
    }
    try {
      ExperimentConfig c = YAML.readValue(file.toFile(), ExperimentConfig.class);
      if (c == null) {
        throw Errors.config(file.toString(), "(top level)", "the file is empty; expected name, base and variants");
      }
      return c;
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
          .map(Object::toString).sorted().collect(Collectors.joining(", "));
      throw Errors.config(file.toString(), path(e), "unknown key '" + e.getPropertyName() + "'; expected one of: "
          + known, e);
    } catch (JsonMappingException e) {
      throw Errors.config(file.toString(), path(e), e.getOriginalMessage().split("\n")[0], e);
    } catch (JsonProcessingException e) {
      throw Errors.unreadableConfig(file.toString(), e);
    } catch (IOException e) {
      throw Errors.unreadableConfig(file.toString(), e);
    }
  }

  private static String path(JsonMappingException e) {
    String p = e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining(".")).replace(".[", "[");
    return p.isEmpty() ? "(top level)" : p;
  }

  /** Turns a mapping into --set overrides: {@code prefix.key=value}, values as JSON (valid YAML). */
  static void flatten(String prefix, JsonNode node, List<String> out) {
    if (node.isObject() && node.size() > 0) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        flatten(prefix + "." + f.getKey(), f.getValue(), out);
      }
    } else {
      out.add(prefix + "=" + (node.isNull() ? "" : node.toString()));
    }
  }

  private static void check(String source, String key, boolean ok, String problem) {
    if (!ok) {
      throw Errors.config(source, key, problem);
    }
  }

  /** The experiment file. */
  public String source() {
    return source;
  }

  public String name() {
    return settings.name();
  }

  public ExperimentConfig settings() {
    return settings;
  }

  /** The config every variant shares (without any variant's score section). */
  public EcolensConfig base() {
    return base;
  }

  public List<Variant> variants() {
    return variants;
  }

  /** The variant others are compared against: {@code baseline}, else the first. */
  public Variant baseline() {
    return variants.stream().filter(v -> v.name().equals(settings.baseline())).findFirst().orElse(variants.get(0));
  }
}
