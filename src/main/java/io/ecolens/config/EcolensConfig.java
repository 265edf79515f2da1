package io.ecolens.config;

import java.util.List;
import java.util.Map;

/**
 * The whole typed configuration of one ecolens run, bound from YAML (kebab-case keys).
 *
 * <p>Precedence, lowest first: the defaults written in these records, the YAML file given with
 * {@code --conf}, then each {@code --set key=value}. Sections left out of the YAML take their
 * defaults. Secrets never appear here, only the names of environment variables that hold them.
 */
public record EcolensConfig(
    SparkSettings spark,
    CatalogSettings catalog,
    GenerateSettings generate,
    InputSettings input,
    IngestSettings ingest,
    SampleSettings sample,
    ScoreSettings score,
    EvaluateSettings evaluate,
    ReportSettings report) {

  public EcolensConfig {
    spark = spark == null ? new SparkSettings(null, null, null) : spark;
    catalog = catalog == null ? new CatalogSettings(null, null, null) : catalog;
    generate = generate == null ? new GenerateSettings(null, null, null, null, null, null, null) : generate;
    input = input == null ? new InputSettings(null, null) : input;
    ingest = ingest == null ? new IngestSettings(null) : ingest;
    sample = sample == null ? new SampleSettings(null, null, null, null) : sample;
    score = score == null ? new ScoreSettings(null, null, null, null, null) : score;
    evaluate = evaluate == null ? new EvaluateSettings(null, null) : evaluate;
    report = report == null ? new ReportSettings(null) : report;
  }

  /** Spark session settings; {@code master} is ignored when spark-submit already set one. */
  public record SparkSettings(String master, Integer shufflePartitions, Map<String, String> conf) {
    public SparkSettings {
      master = master == null ? "local[*]" : master;
      shufflePartitions = shufflePartitions == null ? 8 : shufflePartitions;
      conf = conf == null ? Map.of() : Map.copyOf(conf);
    }
  }

  /**
   * Where tables live. {@code embedded: true} starts a Derby-backed Hive metastore under the
   * warehouse folder; {@code false} uses whatever catalog the cluster configured.
   */
  public record CatalogSettings(String database, String warehouse, Boolean embedded) {
    public CatalogSettings {
      database = database == null ? "ecolens" : database;
      warehouse = warehouse == null ? "warehouse" : warehouse;
      embedded = embedded == null ? Boolean.TRUE : embedded;
    }
  }

  /** The synthetic demo corpus: size, seed, where it goes, and how much of it is broken. */
  public record GenerateSettings(
      Boolean enabled,
      Long rows,
      Long seed,
      String output,
      Double malformedShare,
      Double labelShare,
      List<Double> annotatorErrorRates) {
    public GenerateSettings {
      enabled = enabled == null ? Boolean.FALSE : enabled;
      rows = rows == null ? 20_000L : rows;
      seed = seed == null ? 42L : seed;
      output = output == null ? "data/demo" : output;
      malformedShare = malformedShare == null ? 0.005 : malformedShare;
      labelShare = labelShare == null ? 1.0 : labelShare;
      annotatorErrorRates =
          annotatorErrorRates == null ? List.of(0.03, 0.06, 0.10) : List.copyOf(annotatorErrorRates);
    }
  }

  /** The team's own data: its corpus and its human labels, each with a column mapping. */
  public record InputSettings(SourceSettings corpus, LabelSettings labels) {
    public InputSettings {
      corpus = corpus == null ? new SourceSettings(null, null, null, null) : corpus;
    }
  }

  /**
   * One readable source. {@code columns} maps ecolens's column names to the source's (a dotted
   * source name reaches into a nested JSON object); columns not listed keep their own name.
   */
  public record SourceSettings(
      String path, String format, Map<String, String> options, Map<String, String> columns) {
    public SourceSettings {
      format = format == null ? "json" : format.toLowerCase(java.util.Locale.ROOT);
      options = options == null ? Map.of() : Map.copyOf(options);
      columns = columns == null ? Map.of() : Map.copyOf(columns);
    }
  }

  /**
   * Human policy labels. {@code layout: long} has one row per item x category x annotator;
   * {@code layout: wide} has one row per item and annotator with a column per category.
   */
  public record LabelSettings(
      String path,
      String format,
      String layout,
      Map<String, String> options,
      Map<String, String> columns,
      List<String> categoryColumns) {
    public LabelSettings {
      format = format == null ? "json" : format.toLowerCase(java.util.Locale.ROOT);
      layout = layout == null ? "long" : layout.toLowerCase(java.util.Locale.ROOT);
      options = options == null ? Map.of() : Map.copyOf(options);
      columns = columns == null ? Map.of() : Map.copyOf(columns);
      categoryColumns = categoryColumns == null ? List.of() : List.copyOf(categoryColumns);
    }
  }

  /** Validation limits applied while ingesting. */
  public record IngestSettings(Integer maxTextChars) {
    public IngestSettings {
      maxTextChars = maxTextChars == null ? 100_000 : maxTextChars;
    }
  }

  /** Stratified sampling: strata columns, total size, seed, and the floor per stratum. */
  public record SampleSettings(Integer size, Long seed, List<String> strata, Integer minPerStratum) {
    public SampleSettings {
      size = size == null ? 2_000 : size;
      seed = seed == null ? 7L : seed;
      strata = strata == null ? List.of("format", "region") : List.copyOf(strata);
      minPerStratum = minPerStratum == null ? 2 : minPerStratum;
    }
  }

  /**
   * Which scorer runs, against which policy file, in batches of what size; {@code max-cost} (USD,
   * 0 = no cap) stops paid scoring cleanly once reached, and {@code openai} configures the LLM
   * endpoint of the {@code openai} scorer.
   */
  public record ScoreSettings(String scorer, String policy, Integer batchSize, Double maxCost,
      io.ecolens.score.openai.OpenAiSettings openai) {
    public ScoreSettings {
      scorer = scorer == null ? "rules" : scorer;
      policy = policy == null ? "conf/policies/default.yaml" : policy;
      batchSize = batchSize == null ? 64 : batchSize;
      maxCost = maxCost == null ? 0.0 : maxCost;
      openai = openai == null ? io.ecolens.score.openai.OpenAiSettings.defaults() : openai;
    }
  }

  /**
   * Evaluation: how many review-queue rows each category may take, and the distance from the
   * threshold under which a model score counts as uncertain.
   */
  public record EvaluateSettings(Integer reviewQueuePerCategory, Double uncertaintyBand) {
    public EvaluateSettings {
      reviewQueuePerCategory = reviewQueuePerCategory == null ? 50 : reviewQueuePerCategory;
      uncertaintyBand = uncertaintyBand == null ? 0.1 : uncertaintyBand;
    }
  }

  /** Where reports are written ({@code <output>/<run_id>/}). */
  public record ReportSettings(String output) {
    public ReportSettings {
      output = output == null ? "reports" : output;
    }
  }
}
