package io.ecolens.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig;
import io.ecolens.policy.Policy;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the deterministic synthetic demo corpus: {@code <output>/corpus/}, {@code labels/} and
 * {@code truth/} (JSON lines, one folder each, overwritten on every call) and
 * {@code <output>/manifest.json}. Rows come from {@code spark.range} and are made on the
 * executors by {@link SyntheticItems}, so the driver holds nothing that grows with the corpus;
 * the manifest is a Spark aggregation of per-row facts. See {@link SyntheticItems} for what
 * {@code rows} counts and how each output line looks.
 */
public final class CorpusGenerator {
  /** Rows per Spark partition; the partition count is {@code ceil(rows / this)}. */
  public static final long ROWS_PER_PARTITION = 200_000;

  private static final Logger LOG = LoggerFactory.getLogger(CorpusGenerator.class);
  private static final String JOB_GROUP = "ecolens-generate";

  private CorpusGenerator() {}

  /**
   * What one call wrote: {@code rows} corpus lines of which {@code malformedRows} are malformed,
   * {@code labelRows} label lines, the three output folders, and the wall time in seconds.
   */
  public record Result(
      long rows,
      long malformedRows,
      long labelRows,
      String corpusPath,
      String labelsPath,
      String truthPath,
      double seconds) {}

  /** Generates the corpus the {@code generate} settings describe, against this policy. */
  public static Result execute(SparkSession spark, EcolensConfig.GenerateSettings settings, Policy policy) {
    return execute(spark, settings, policy, partitionsFor(settings.rows()));
  }

  // The partition count is a parameter only so tests can show it does not change the output.
  static Result execute(SparkSession spark, EcolensConfig.GenerateSettings settings, Policy policy, int partitions) {
    long started = System.nanoTime();
    SyntheticItems items = SyntheticItems.of(settings, policy, PhraseBank.defaults());
    String corpusPath = new Path(settings.output(), "corpus").toString();
    String labelsPath = new Path(settings.output(), "labels").toString();
    String truthPath = new Path(settings.output(), "truth").toString();
    String options = "rows=" + settings.rows() + " seed=" + settings.seed() + " policy=" + policy.id() + "@" + policy.version();
    LOG.info("Generating a synthetic corpus under {} ({}, {} partitions)", settings.output(), options, partitions);

    SparkContext sc = spark.sparkContext();
    String previousGroup = sc.getLocalProperty("spark.jobGroup.id");
    String previousDescription = sc.getLocalProperty("spark.job.description");
    try {
      sc.setJobGroup(JOB_GROUP, "generate " + options, false);
      Dataset<Long> indices = spark.range(0, settings.rows(), 1, partitions);

      sc.setJobDescription("generate: corpus " + options);
      indices.map((MapFunction<Long, String>) items::corpusLine, Encoders.STRING())
          .write().mode(SaveMode.Overwrite).text(corpusPath);

      sc.setJobDescription("generate: truth " + options);
      indices.flatMap((FlatMapFunction<Long, String>) i -> items.truthLines(i).iterator(), Encoders.STRING())
          .write().mode(SaveMode.Overwrite).text(truthPath);

      sc.setJobDescription("generate: labels " + options);
      indices.flatMap((FlatMapFunction<Long, String>) i -> items.labelLines(i).iterator(), Encoders.STRING())
          .write().mode(SaveMode.Overwrite).text(labelsPath);

      sc.setJobDescription("generate: manifest " + options);
      Map<String, Long> facts = countFacts(indices, items);
      long labeledItems = facts.getOrDefault("labeled", 0L);
      long labelRows = labeledItems * items.categoryIds().size() * settings.annotatorErrorRates().size();
      long malformedRows = facts.entrySet().stream()
          .filter(e -> e.getKey().startsWith("malformed:"))
          .mapToLong(Map.Entry::getValue)
          .sum();
      writeManifest(spark, settings, policy, items, facts, labelRows);

      double seconds = (System.nanoTime() - started) / 1e9;
      LOG.info("Generated {} corpus lines ({} malformed), {} label lines, {} well-formed items in {} s",
          settings.rows(), malformedRows, labelRows, facts.getOrDefault("well_formed", 0L), String.format("%.1f", seconds));
      return new Result(settings.rows(), malformedRows, labelRows, corpusPath, labelsPath, truthPath, seconds);
    } finally {
      sc.setLocalProperty("spark.jobGroup.id", previousGroup);
      sc.setLocalProperty("spark.job.description", previousDescription);
    }
  }

  /** Partitions for a row count: {@code max(1, ceil(rows / ROWS_PER_PARTITION))}. */
  public static int partitionsFor(long rows) {
    return (int) Math.max(1, (rows + ROWS_PER_PARTITION - 1) / ROWS_PER_PARTITION);
  }

  // One count per fact name: a handful of kinds and categories, whatever the corpus size.
  private static Map<String, Long> countFacts(Dataset<Long> indices, SyntheticItems items) {
    List<Row> counts = indices
        .flatMap((FlatMapFunction<Long, String>) i -> items.facts(i).iterator(), Encoders.STRING())
        .groupBy("value")
        .count()
        .collectAsList();
    Map<String, Long> facts = new HashMap<>();
    for (Row row : counts) {
      facts.put(row.getString(0), row.getLong(1));
    }
    return facts;
  }

  private static void writeManifest(
      SparkSession spark,
      EcolensConfig.GenerateSettings settings,
      Policy policy,
      SyntheticItems items,
      Map<String, Long> facts,
      long labelRows) {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode manifest = json.createObjectNode();
    long wellFormed = facts.getOrDefault("well_formed", 0L);
    manifest.put("seed", settings.seed())
        .put("rows", settings.rows())
        .put("reference_time", SyntheticItems.REFERENCE_TIME.toString())
        .put("policy_id", policy.id())
        .put("policy_version", policy.version())
        .put("malformed_share", settings.malformedShare())
        .put("malformed_rows", items.malformedRows())
        .put("well_formed_items", wellFormed)
        .put("truth_rows", wellFormed * items.categoryIds().size())
        .put("label_share", settings.labelShare())
        .put("labeled_items", facts.getOrDefault("labeled", 0L))
        .put("label_rows", labelRows);
    ObjectNode malformed = manifest.putObject("malformed");
    for (MalformedKind kind : MalformedKind.values()) {
      malformed.put(kind.id(), facts.getOrDefault("malformed:" + kind.id(), 0L));
    }
    ObjectNode annotators = manifest.putObject("annotator_error_rates");
    for (int a = 0; a < settings.annotatorErrorRates().size(); a++) {
      annotators.put("annotator_" + (a + 1), settings.annotatorErrorRates().get(a));
    }
    ObjectNode prevalence = manifest.putObject("prevalence");
    ObjectNode violating = manifest.putObject("violating");
    for (String category : items.categoryIds()) {
      prevalence.put(category, items.prevalence(category));
      violating.put(category, facts.getOrDefault("violating:" + category, 0L));
    }
    Path path = new Path(settings.output(), "manifest.json");
    try {
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (OutputStream out = fs.create(path, true)) {
        json.writeValue(out, manifest);
      }
    } catch (IOException e) {
      throw Errors.stageFailed("generate", "cannot write " + path + ": " + e.getMessage(), e);
    }
  }
}
