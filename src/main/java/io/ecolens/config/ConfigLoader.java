package io.ecolens.config;

import io.ecolens.Yaml;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ecolens.Errors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Reads a YAML config into {@link EcolensConfig}, applies {@code --set} overrides, and validates
 * the result. Every error names the key, the file and what was expected.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = Yaml.mapper();
  /** Sections whose keys are free-form (they may contain dots themselves). */
  private static final List<String> MAP_SECTIONS = List.of(
      "spark.conf", "input.corpus.options", "input.corpus.columns", "input.labels.options", "input.labels.columns");

  /** Scorer types a cascade step may be (a cascade does not nest). */
  static final List<ScorerType> CASCADE_STEPS = List.of(ScorerType.RULES, ScorerType.EMBEDDED);
  /** Scorer types a cascade's second step may be: a local one, or the LLM endpoint. */
  static final List<ScorerType> CASCADE_SECOND_STEPS = List.of(ScorerType.RULES, ScorerType.EMBEDDED, ScorerType.OPENAI);

  private ConfigLoader() {}

  /** Loads {@code file} (or only the defaults when it is null) with the given overrides. */
  public static EcolensConfig load(Path file, List<String> overrides) {
    String source = file == null ? "the built-in defaults" : file.toString();
    JsonNode tree = file == null ? JsonNodeFactory.instance.objectNode() : readTree(file);
    if (!overrides.isEmpty()) {
      tree = tree.deepCopy();
      for (String override : overrides) {
        applyOverride(source, (ObjectNode) tree, override);
      }
      source = source + " with --set overrides";
    }
    EcolensConfig config = bind(source, tree);
    validate(source, config);
    return config;
  }

  /** The config as a JSON tree, with any value under a secret-looking key masked. */
  public static JsonNode redacted(EcolensConfig config) {
    ObjectMapper json = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE);
    JsonNode tree = json.valueToTree(config);
    mask(tree);
    return tree;
  }

  private static void mask(JsonNode node) {
    if (node instanceof ObjectNode object) {
      object.fieldNames().forEachRemaining(name -> {
        String lower = name.toLowerCase(Locale.ROOT);
        boolean secret = (lower.contains("secret") || lower.contains("password")
            || lower.endsWith("api-key") || lower.endsWith("token")) && !lower.endsWith("-env");
        if (secret && object.get(name).isValueNode()) {
          object.put(name, "***");
        }
      });
      object.elements().forEachRemaining(ConfigLoader::mask);
    } else if (node.isArray()) {
      node.elements().forEachRemaining(ConfigLoader::mask);
    }
  }

  private static JsonNode readTree(Path file) {
    if (!Files.isRegularFile(file)) {
      throw Errors.unreadableConfig(
          file.toString(), new IOException("no such file (working directory: "
              + Path.of("").toAbsolutePath() + ")"));
    }
    try {
      JsonNode tree = YAML.readTree(file.toFile());
      if (tree == null || tree instanceof MissingNode || tree.isNull()) {
        return JsonNodeFactory.instance.objectNode();
      }
      if (!tree.isObject()) {
        throw Errors.config(file.toString(), "(top level)", "expected a mapping of sections such as 'sample:' and 'score:', found " + tree.getNodeType());
      }
      return tree;
    } catch (IOException e) {
      throw Errors.unreadableConfig(file.toString(), e);
    }
  }

  /** Applies {@code a.b.c=value}; the value is parsed as a YAML scalar or flow collection. */
  static void applyOverride(String source, ObjectNode root, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw Errors.config(source, override, "--set expects key=value, e.g. --set sample.size=500");
    }
    String key = override.substring(0, eq).trim();
    String raw = override.substring(eq + 1);
    JsonNode value;
    try {
      value = raw.isEmpty() ? JsonNodeFactory.instance.nullNode() : YAML.readTree(raw);
      if (value == null || value instanceof MissingNode) {
        value = JsonNodeFactory.instance.nullNode();
      }
    } catch (JsonProcessingException e) {
      value = JsonNodeFactory.instance.textNode(raw);
    }
    String[] parts = split(key);
    ObjectNode node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = node.get(parts[i]);
      if (child == null || child.isNull()) {
        child = node.putObject(parts[i]);
      } else if (!child.isObject()) {
        throw Errors.config(source, key, "'" + parts[i] + "' holds a value, not a section, so it has no key '" + parts[i + 1] + "'");
      }
      node = (ObjectNode) child;
    }
    node.set(parts[parts.length - 1], value);
  }

  /** Splits a dotted key; below a map section (e.g. spark.conf) the rest is one map key. */
  static String[] split(String key) {
    for (String section : MAP_SECTIONS) {
      if (key.startsWith(section + ".") && key.length() > section.length() + 1) {
        List<String> parts = new java.util.ArrayList<>(List.of(section.split("\\.")));
        parts.add(key.substring(section.length() + 1));
        return parts.toArray(String[]::new);
      }
    }
    return key.split("\\.");
  }

  private static EcolensConfig bind(String source, JsonNode tree) {
    try {
      return YAML.treeToValue(tree, EcolensConfig.class);
    } catch (ValueInstantiationException e) {
      // a closed-set value (an enum of this package) outside its set: Choice.parse says which values it may take
      String reason = e.getCause() instanceof IllegalArgumentException bad ? bad.getMessage() : firstLine(e.getOriginalMessage());
      throw Errors.config(source, path(e), reason, e);
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
          .map(Object::toString).sorted().collect(Collectors.joining(", "));
      throw Errors.config(source, path(e), "unknown key '" + e.getPropertyName()
          + "'; expected one of: " + known, e);
    } catch (InvalidFormatException e) {
      throw Errors.config(source, path(e), "cannot read '" + e.getValue() + "' as "
          + describe(e.getTargetType()), e);
    } catch (MismatchedInputException e) {
      throw Errors.config(source, path(e), "expected " + describe(e.getTargetType())
          + " (" + firstLine(e.getOriginalMessage()) + ")", e);
    } catch (JsonProcessingException e) {
      throw Errors.config(source, e instanceof JsonMappingException m ? path(m) : "(unknown)",
          firstLine(e.getOriginalMessage()), e);
    }
  }

  private static String path(JsonMappingException e) {
    String p = e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
    return p.isEmpty() ? "(top level)" : p;
  }

  private static String describe(Class<?> type) {
    if (type == null) {
      return "a different value";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "a whole number";
    }
    if (type == Double.class || type == double.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a mapping (key: value lines)";
    }
    return "a " + type.getSimpleName();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static void validate(String source, EcolensConfig c) {
    positive(source, "spark.shuffle-partitions", c.spark().shufflePartitions());
    nonBlank(source, "catalog.database", c.catalog().database());
    if (!c.catalog().database().matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw Errors.config(source, "catalog.database", "'" + c.catalog().database() + "' is not a valid database name (letters, digits, underscores)");
    }
    nonBlank(source, "catalog.warehouse", c.catalog().warehouse());
    positive(source, "generate.rows", c.generate().rows());
    share(source, "generate.malformed-share", c.generate().malformedShare());
    share(source, "generate.label-share", c.generate().labelShare());
    if (c.generate().annotatorErrorRates().isEmpty()) {
      throw Errors.config(source, "generate.annotator-error-rates", "needs at least one annotator, e.g. [0.10, 0.20, 0.30]");
    }
    for (int i = 0; i < c.generate().annotatorErrorRates().size(); i++) {
      share(source, "generate.annotator-error-rates[" + i + "]", c.generate().annotatorErrorRates().get(i));
    }
    if (c.input().labels() != null) {
      nonBlank(source, "input.labels.path", c.input().labels().path());
      if (c.input().labels().layout() == LabelLayout.WIDE && c.input().labels().categoryColumns().isEmpty()) {
        throw Errors.config(source, "input.labels.category-columns", "layout 'wide' needs the list of columns that hold one category's label each");
      }
    }
    positive(source, "ingest.max-text-chars", c.ingest().maxTextChars());
    positive(source, "sample.size", c.sample().size());
    if (c.sample().minPerStratum() < 0) {
      throw Errors.config(source, "sample.min-per-stratum", "must be at least 0, cannot be: " + c.sample().minPerStratum());
    }
    positive(source, "score.embedded.intra-op-threads", c.score().embedded().intraOpThreads());
    int maxTokens = c.score().embedded().maxTokens();
    if (maxTokens < 16 || maxTokens > EmbeddingModel.MAX_WINDOW) {
      throw Errors.config(source, "score.embedded.max-tokens", "must be between 16 and " + EmbeddingModel.MAX_WINDOW
          + " (the models' window; longer texts are embedded in several windows), cannot be: " + maxTokens);
    }
    if (c.score().embedded().train().folds() < 2) {
      throw Errors.config(source, "score.embedded.train.folds", "must be at least 2, cannot be: " + c.score().embedded().train().folds());
    }
    positive(source, "score.embedded.train.max-items", c.score().embedded().train().maxItems());
    validateTrain(source, c.score().embedded().train());
    oneOf(source, "score.cascade.first", c.score().cascade().first(), CASCADE_STEPS);
    oneOf(source, "score.cascade.second", c.score().cascade().second(), CASCADE_SECOND_STEPS);
    share(source, "score.cascade.band", c.score().cascade().band());
    if (c.score().cascade().targetShare() != null) {
      share(source, "score.cascade.target-share", c.score().cascade().targetShare());
    }
    if (c.score().cascade().tolerance() != null) {
      share(source, "score.cascade.tolerance", c.score().cascade().tolerance());
      if (c.score().cascade().targetShare() != null) {
        throw Errors.config(source, "score.cascade.target-share", "cannot be set with score.cascade.tolerance: the "
            + "tolerance fits each category's band on labelled pilot items; set one of the two");
      }
    }
    if (c.score().cascade().pilotItems() < 20) {
      throw Errors.config(source, "score.cascade.pilot-items", "must be at least 20 (labelled items that fit the "
          + "bands; 500 is the default), cannot be: " + c.score().cascade().pilotItems());
    }
    validateOpenAi(source, c.score());
    double maxShare = c.score().failureBound().maxShare();
    if (!(maxShare > 0 && maxShare <= 1)) {
      throw Errors.config(source, "score.failure-bound.max-share", "must be above 0 and at most 1 (0.5 = stop when "
          + "half the items tried failed), cannot be: " + maxShare);
    }
    positive(source, "score.failure-bound.min-items", c.score().failureBound().minItems());
    nonBlank(source, "score.policy", c.score().policy());
    positive(source, "score.batch-size", c.score().batchSize());
    share(source, "sample.default-prior-prevalence", c.sample().defaultPriorPrevalence());
    c.sample().priorPrevalence().forEach((k, v) -> share(source, "sample.prior-prevalence." + k, v));
    c.sample().fixedSizes().forEach((k, v) -> {
      if (v < 0) {
        throw Errors.config(source, "sample.fixed-sizes." + k, "must be at least 0, cannot be: " + v);
      }
    });
    if (c.sample().allocation() == Allocation.FIXED && c.sample().fixedSizes().isEmpty()) {
      throw Errors.config(source, "sample.fixed-sizes", "allocation 'fixed' needs a size per stratum, e.g. {video|US: 100}");
    }
    c.sample().buckets().forEach((name, b) -> {
      nonBlank(source, "sample.buckets." + name + ".column", b.column());
      for (int i = 1; i < b.bounds().size(); i++) {
        if (b.bounds().get(i) <= b.bounds().get(i - 1)) {
          throw Errors.config(source, "sample.buckets." + name + ".bounds", "must be strictly ascending, cannot be: " + b.bounds());
        }
      }
    });
    positive(source, "evaluate.review-queue-per-category", c.evaluate().reviewQueuePerCategory());
    positive(source, "evaluate.min-slice-items", c.evaluate().minSliceItems());
    positive(source, "evaluate.sweep-steps", c.evaluate().sweepSteps());
    positive(source, "evaluate.calibration-bins", c.evaluate().calibrationBins());
    positive(source, "evaluate.dawid-skene-iterations", c.evaluate().dawidSkeneIterations());
    share(source, "evaluate.uncertainty-band", c.evaluate().uncertaintyBand());
    nonBlank(source, "report.output", c.report().output());
    io.ecolens.config.GateConfig.validate(source, c.gates(), c.comparison());
  }

  private static void validateOpenAi(String source, EcolensConfig.ScoreSettings score) {
    if (score.maxCost() < 0) {
      throw Errors.config(source, "score.max-cost", "must be at least 0 (0 = no cap), cannot be: " + score.maxCost());
    }
    io.ecolens.config.OpenAiSettings o = score.openai();
    nonBlank(source, "score.openai.endpoint", o.endpoint());
    boolean folder = o.batchMode() && o.endpoint().startsWith("file:///");
    if (!o.endpoint().startsWith("http://") && !o.endpoint().startsWith("https://") && !folder) {
      throw Errors.config(source, "score.openai.endpoint", "'" + o.endpoint()
          + "' is not an http(s) URL; give the base URL up to /v1, e.g. http://127.0.0.1:8000/v1 (or, with "
          + "score.openai.mode batch, a folder for an offline batch runner: file:///path/to/folder)");
    }
    nonBlank(source, "score.openai.model", o.model());
    positive(source, "score.openai.timeout-ms", o.timeoutMs());
    positive(source, "score.openai.max-attempts", o.maxAttempts());
    positive(source, "score.openai.max-concurrency", o.maxConcurrency());
    positive(source, "score.openai.items-per-request", o.itemsPerRequest());
    positive(source, "score.openai.max-output-tokens", o.maxOutputTokens());
    positive(source, "score.openai.commit-every", o.commitEvery());
    for (var e : java.util.Map.of("score.openai.requests-per-minute", o.requestsPerMinute(),
        "score.openai.tokens-per-minute", o.tokensPerMinute(), "score.openai.partitions", o.partitions()).entrySet()) {
      if (e.getValue() < 0) {
        throw Errors.config(source, e.getKey(), "must be at least 0 (0 = no limit / automatic), cannot be: " + e.getValue());
      }
    }
    if (o.inputPricePerMillion() < 0 || o.outputPricePerMillion() < 0) {
      throw Errors.config(source, "score.openai.input-price-per-million", "prices must be at least 0");
    }
    if (!(o.batchPriceFactor() > 0 && o.batchPriceFactor() <= 1)) {
      throw Errors.config(source, "score.openai.batch-price-factor", "must be in (0, 1] (the batch price as a share "
          + "of the online price; OpenAI's is 0.5), cannot be: " + o.batchPriceFactor());
    }
    if (!o.batchFallback().equals("none") && !o.batchFallback().equals("online")) {
      throw Errors.config(source, "score.openai.batch-fallback", "must be none or online, cannot be: '"
          + o.batchFallback() + "'");
    }
    positive(source, "score.openai.batch-poll-seconds", o.batchPollSeconds());
    positive(source, "score.openai.batch-max-requests", o.batchMaxRequests());
    positive(source, "score.openai.batch-max-file-mb", o.batchMaxFileMb());
    if (o.batchMode() && o.azure()) {
      throw Errors.config(source, "score.openai.mode", "batch does not support Azure OpenAI yet (its Batch API "
          + "lives under the resource's /openai/batches with deployment-specific request lines); set mode online "
          + "or leave score.openai.api-version out");
    }
    if (o.batchMode() && score.maxCost() > 0) {
      throw Errors.config(source, "score.max-cost", "is not applied in score.openai.mode batch (a batch's cost is "
          + "known once it has run); see score --estimate first, and set max-cost 0 or mode online");
    }
    if (o.batchMode() && score.scorer() != ScorerType.OPENAI) {
      throw Errors.config(source, "score.openai.mode", "batch is for score.scorer openai; with score.scorer "
          + score.scorer().id() + " set mode online or leave it out");
    }
  }

  /** Fails unless a corpus path is set; stages that read the corpus call it. */
  public static void requireCorpusPath(String source, EcolensConfig c) {
    if (c.input().corpus().path() == null || c.input().corpus().path().isBlank()) {
      throw Errors.config(source, "input.corpus.path", "is required: the file or folder of the content corpus, e.g. data/demo/corpus or s3a://bucket/corpus/");
    }
  }

  private static void validateTrain(String source, EcolensConfig.TrainSettings train) {
    if (train.innerFolds() < 2) {
      throw Errors.config(source, "score.embedded.train.inner-folds", "must be at least 2, cannot be: " + train.innerFolds());
    }
    String key = train.regularization() != null ? "score.embedded.train.regularization"
        : "score.embedded.train.regularization-grid";
    if (train.regularizations().isEmpty()
        || train.regularizations().stream().anyMatch(r -> r == null || !(r > 0) || r.isInfinite())) {
      throw Errors.config(source, key, "must be one or more numbers above 0 (e.g. [0.001, 0.01, 0.1]), cannot be: "
          + train.regularizations());
    }
  }

  private static void positive(String source, String key, Number value) {
    if (value.doubleValue() < 1) {
      throw Errors.config(source, key, "must be at least 1, cannot be: " + value);
    }
  }

  private static void share(String source, String key, Double value) {
    if (value < 0 || value > 1) {
      throw Errors.config(source, key, "must be between 0 and 1, cannot be: " + value);
    }
  }

  private static void nonBlank(String source, String key, String value) {
    if (value == null || value.isBlank()) {
      throw Errors.config(source, key, "must not be empty");
    }
  }

  private static void oneOf(String source, String key, ScorerType value, List<ScorerType> allowed) {
    if (!allowed.contains(value)) {
      throw Errors.config(source, key, "'" + value + "' is not one of " + Choice.ids(allowed.toArray(ScorerType[]::new)));
    }
  }
}
