package io.ecolens.config;

import java.util.List;
import java.util.Map;

/**
 * The whole typed configuration of one ecolens run, bound from YAML (kebab-case keys).
 *
 * <p>Precedence, lowest first: the defaults written in these records, the YAML file given with
 * {@code --conf}, then each {@code --set key=value}. Sections left out of the YAML take their
 * defaults. Secrets never appear here, only the names of environment variables that hold them.
 * {@code gates} are the run-over-run quality gates and {@code comparison} picks the run they compare
 * with (see the gate stage).
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
    ReportSettings report,
    List<io.ecolens.config.GateSpec> gates,
    io.ecolens.config.ComparisonSettings comparison) {

  public EcolensConfig {
    spark = spark == null ? new SparkSettings(null, null, null) : spark;
    catalog = catalog == null ? new CatalogSettings(null, null, null, null) : catalog;
    generate = generate == null ? new GenerateSettings(null, null, null, null, null, null, null) : generate;
    input = input == null ? new InputSettings(null, null) : input;
    ingest = ingest == null ? new IngestSettings(null) : ingest;
    sample = sample == null ? new SampleSettings(null, null, null, null, null, null, null, null, null, null) : sample;
    score = score == null ? new ScoreSettings(null, null, null) : score;
    evaluate = evaluate == null ? new EvaluateSettings(null, null, null, null, null, null, null, null, null) : evaluate;
    report = report == null ? new ReportSettings(null) : report;
    gates = gates == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(gates));
    comparison = comparison == null ? io.ecolens.config.ComparisonSettings.defaults() : comparison;
  }

  /** The configuration without run-over-run gates and with the default comparison. */
  public EcolensConfig(SparkSettings spark, CatalogSettings catalog, GenerateSettings generate, InputSettings input,
      IngestSettings ingest, SampleSettings sample, ScoreSettings score, EvaluateSettings evaluate,
      ReportSettings report) {
    this(spark, catalog, generate, input, ingest, sample, score, evaluate, report, null, null);
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
   * warehouse folder; {@code false} uses whatever catalog the cluster configured. With {@code
   * server: true} (the default) the embedded catalog's database is served on loopback by a
   * process of its own, started on demand, so that several processes can use the warehouse at
   * once; {@code false} opens it inside the command's JVM, one process at a time.
   */
  public record CatalogSettings(String database, String warehouse, Boolean embedded, Boolean server) {
    public CatalogSettings {
      database = database == null ? "ecolens" : database;
      warehouse = warehouse == null ? "warehouse" : warehouse;
      embedded = embedded == null ? Boolean.TRUE : embedded;
      server = server == null ? Boolean.TRUE : server;
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
          annotatorErrorRates == null ? List.of(0.10, 0.20, 0.30) : List.copyOf(annotatorErrorRates);
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
      String path, DataFormat format, Map<String, String> options, Map<String, String> columns) {
    public SourceSettings {
      format = format == null ? DataFormat.JSON : format;
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
      DataFormat format,
      LabelLayout layout,
      Map<String, String> options,
      Map<String, String> columns,
      List<String> categoryColumns) {
    public LabelSettings {
      format = format == null ? DataFormat.JSON : format;
      layout = layout == null ? LabelLayout.LONG : layout;
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

  /**
   * Stratified sampling: strata columns (content columns or derived {@code buckets}), total size,
   * seed, the floor per stratum, how the size is allocated over strata ({@code proportional},
   * {@code equal}, {@code neyman} with prior prevalences, or {@code fixed} sizes per stratum), and
   * whether items are drawn with equal probability within a stratum ({@code items}) or with
   * probability proportional to views ({@code views}).
   */
  public record SampleSettings(
      Integer size,
      Long seed,
      List<String> strata,
      Integer minPerStratum,
      Allocation allocation,
      Map<String, Long> fixedSizes,
      Map<String, Double> priorPrevalence,
      Double defaultPriorPrevalence,
      Weighting weighting,
      Map<String, BucketSettings> buckets) {
    public SampleSettings {
      size = size == null ? 2_000 : size;
      seed = seed == null ? 7L : seed;
      strata = strata == null ? List.of("format", "region") : List.copyOf(strata);
      minPerStratum = minPerStratum == null ? 2 : minPerStratum;
      allocation = allocation == null ? Allocation.PROPORTIONAL : allocation;
      fixedSizes = fixedSizes == null ? Map.of() : Map.copyOf(fixedSizes);
      priorPrevalence = priorPrevalence == null ? Map.of() : Map.copyOf(priorPrevalence);
      defaultPriorPrevalence = defaultPriorPrevalence == null ? 0.05 : defaultPriorPrevalence;
      weighting = weighting == null ? Weighting.ITEMS : weighting;
      buckets = buckets == null ? Map.of() : Map.copyOf(buckets);
    }
  }

  /**
   * A derived stratum column: {@code column} cut at ascending {@code bounds}; with {@code per}
   * (e.g. creator_id) the column is first summed over that key, e.g. a creator tier from the
   * creator's total views.
   */
  public record BucketSettings(String column, String per, List<Double> bounds) {
    public BucketSettings {
      bounds = bounds == null ? List.of() : List.copyOf(bounds);
    }
  }

  /**
   * Which scorer runs, against which policy file, in batches of what size; {@code max-cost} (USD,
   * 0 = no cap) stops paid scoring cleanly once reached; {@code failure-bound} stops scoring that
   * fails systemically; {@code openai}, {@code embedded} and {@code cascade} configure those scorers.
   */
  public record ScoreSettings(ScorerType scorer, String policy, Integer batchSize, Double maxCost,
      io.ecolens.config.OpenAiSettings openai, EmbeddedSettings embedded, CascadeSettings cascade,
      FailureBound failureBound) {
    public ScoreSettings {
      failureBound = failureBound == null ? new FailureBound(null, null) : failureBound;
      scorer = scorer == null ? ScorerType.RULES : scorer;
      policy = policy == null ? "conf/policies/default.yaml" : policy;
      batchSize = batchSize == null ? 64 : batchSize;
      maxCost = maxCost == null ? 0.0 : maxCost;
      openai = openai == null ? io.ecolens.config.OpenAiSettings.defaults() : openai;
      embedded = embedded == null ? new EmbeddedSettings(null, null, null, null, null, null) : embedded;
      cascade = cascade == null ? new CascadeSettings(null, null, null, null) : cascade;
    }

    /**
     * True when the scorer reads what {@code train} fits: it runs the embedded scorer (alone or as a
     * cascade step) in a mode other than {@code zero-shot}.
     */
    public boolean usesTrainedHeads() {
      return ScorerType.usesEmbedded(scorer, cascade.first(), cascade.second())
          && embedded.mode() != EmbeddedMode.ZERO_SHOT;
    }

    /** True when {@code run} fits the embedded heads before scoring: asked for, and the scorer uses them. */
    public boolean trainsBeforeScoring() {
      return embedded.train().beforeScoring() && usesTrainedHeads();
    }

    public ScoreSettings(ScorerType scorer, String policy, Integer batchSize) {
      this(scorer, policy, batchSize, null, null, null, null, null);
    }
  }

  /**
   * When scoring counts as failed systemically and the score stage stops: once {@code min-items}
   * items have been tried (or every item of the run, when it has fewer) and at least
   * {@code max-share} of them failed. The default, 0.5 of at least 10, stops a run whose judge
   * returns nothing usable (12 of 12 failed) and lets one with a few bad items finish.
   */
  public record FailureBound(Double maxShare, Integer minItems) {
    public FailureBound {
      maxShare = maxShare == null ? 0.5 : maxShare;
      minItems = minItems == null ? 10 : minItems;
    }
  }

  /**
   * The {@code embedded} scorer (a sentence-embedding model in process). {@code model}: which
   * ({@link EmbeddingModel}; default all-MiniLM-L6-v2). {@code mode}: {@code auto} uses
   * the trained head of the policy version when one was saved under {@code heads}, else zero-shot;
   * {@code zero-shot} and {@code trained} force one (trained fails when no head exists).
   * {@code intra-op-threads} is ONNX Runtime's thread count per call (Spark already runs one task
   * per core); {@code max-tokens} is the model window (a longer text is embedded window by window and
   * the windows' vectors averaged).
   * {@code heads} is the folder of trained heads (default {@code <catalog.warehouse>/models/embedded-heads});
   * {@code train} drives the {@code train} command.
   */
  public record EmbeddedSettings(EmbeddingModel model, EmbeddedMode mode, Integer intraOpThreads, Integer maxTokens,
      String heads, TrainSettings train) {
    public EmbeddedSettings {
      model = model == null ? EmbeddingModel.MINILM : model;
      mode = mode == null ? EmbeddedMode.AUTO : mode;
      intraOpThreads = intraOpThreads == null ? 1 : intraOpThreads;
      maxTokens = maxTokens == null ? 256 : maxTokens;
      train = train == null ? new TrainSettings(null, null, null, null, null, null, null, null) : train;
    }

    /** Folder of the trained heads: {@code heads}, else {@code models/embedded-heads} under the warehouse. */
    public String headsRoot(String warehouse) {
      return heads != null ? heads : warehouse + "/models/embedded-heads";
    }
  }

  /**
   * Fitting the trained heads: folds of the cross-validation, item cap, seed; the L2 regularisation
   * (MLlib's regParam on standardised features): {@code regularization} fixes it, else each category
   * takes the value of {@code regularization-grid} with the best AUPRC over {@code inner-folds}
   * folds of its training items; {@code class-weight} {@code balanced} weighs each class by
   * items / (2 x the class's items), {@code none} weighs every item 1. With {@code before-scoring},
   * {@code run} fits the heads itself, between sample and score, on the run's labelled items outside
   * its sample (so no scored item was trained on), when its scorer reads them (not {@code zero-shot}).
   */
  public record TrainSettings(Integer folds, Integer maxItems, Double regularization, List<Double> regularizationGrid,
      Integer innerFolds, ClassWeight classWeight, Long seed, Boolean beforeScoring) {
    public static final List<Double> DEFAULT_GRID = List.of(1e-3, 1e-2, 1e-1, 1.0, 10.0);

    public TrainSettings {
      folds = folds == null ? 5 : folds;
      maxItems = maxItems == null ? 50_000 : maxItems;
      regularizationGrid = regularizationGrid == null ? DEFAULT_GRID : List.copyOf(regularizationGrid);
      innerFolds = innerFolds == null ? 3 : innerFolds;
      classWeight = classWeight == null ? ClassWeight.BALANCED : classWeight;
      seed = seed == null ? 11L : seed;
      beforeScoring = beforeScoring != null && beforeScoring;
    }

    /** The values to choose from: the fixed one alone, or the grid. */
    public List<Double> regularizations() {
      return regularization != null ? List.of(regularization) : regularizationGrid;
    }

    public boolean balanced() {
      return classWeight == ClassWeight.BALANCED;
    }
  }

  /**
   * The {@code cascade} scorer: {@code first} scores every item; an item whose score lies within
   * {@code band} of a category's threshold (for any category) goes to {@code second}, which then
   * decides all its categories. With {@code target-share} set, the band is the one under which
   * about that share of each batch goes to the second scorer (the band is then an upper bound).
   * With {@code tolerance} set, the bands are fitted instead ({@code band} is then unused): up to
   * {@code pilot-items} of the run's labelled items (at most half, picked by a hash of content_id)
   * all go to the second scorer, and each category's band is the narrowest that keeps the cascade's
   * micro F1 on them within {@code tolerance} (0.01 = one point) of the second scorer alone; the
   * rest of the run is scored with those bands.
   */
  public record CascadeSettings(ScorerType first, ScorerType second, Double band, Double targetShare,
      Double tolerance, Integer pilotItems) {
    public CascadeSettings {
      first = first == null ? ScorerType.EMBEDDED : first;
      second = second == null ? ScorerType.RULES : second;
      band = band == null ? 0.15 : band;
      pilotItems = pilotItems == null ? 500 : pilotItems;
    }

    public CascadeSettings(ScorerType first, ScorerType second, Double band, Double targetShare) {
      this(first, second, band, targetShare, null, null);
    }
  }

  /**
   * Evaluation: how many review-queue rows each category (and each value of {@code review-queue-slice})
   * may take, the distance from the threshold under which a model score counts as uncertain, the
   * slices metrics are also computed for, the fewest items a slice needs before its figures are
   * trusted, the threshold grid of the PR sweep, the calibration bins, and how human votes are
   * adjudicated ({@code majority}, {@code unanimity} or {@code dawid-skene}).
   */
  public record EvaluateSettings(
      Integer reviewQueuePerCategory,
      Double uncertaintyBand,
      List<String> slices,
      Integer minSliceItems,
      Integer sweepSteps,
      Integer calibrationBins,
      AdjudicationMethod adjudication,
      Integer dawidSkeneIterations,
      String reviewQueueSlice) {
    public EvaluateSettings {
      reviewQueuePerCategory = reviewQueuePerCategory == null ? 50 : reviewQueuePerCategory;
      uncertaintyBand = uncertaintyBand == null ? 0.1 : uncertaintyBand;
      slices = slices == null ? List.of("format", "region", "language") : List.copyOf(slices);
      minSliceItems = minSliceItems == null ? 30 : minSliceItems;
      sweepSteps = sweepSteps == null ? 20 : sweepSteps;
      calibrationBins = calibrationBins == null ? 10 : calibrationBins;
      adjudication = adjudication == null ? AdjudicationMethod.MAJORITY : adjudication;
      dawidSkeneIterations = dawidSkeneIterations == null ? 30 : dawidSkeneIterations;
      reviewQueueSlice = reviewQueueSlice == null ? "format" : reviewQueueSlice;
    }
  }

  /** Where reports are written ({@code <output>/<run_id>/}). */
  public record ReportSettings(String output) {
    public ReportSettings {
      output = output == null ? "reports" : output;
    }
  }
}
