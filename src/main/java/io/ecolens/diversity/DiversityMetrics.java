package io.ecolens.diversity;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.when;

import io.ecolens.config.DiversitySettings;
import io.ecolens.embedding.EmbeddingStore;
import io.ecolens.spark.Seqs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Diversity of one run's corpus ({@code content}) and of its sample ({@code samples} ⋈
 * {@code content}), as {@code metrics} rows under report {@link #CORPUS} and {@link #SAMPLE}.
 *
 * <p>Metric names are {@code <dimension>_<measure>}: dimensions {@code format}, {@code language},
 * {@code region}, {@code creator} and, on the sample, {@code topic} (an item counts once under every
 * category its scores label violating, or under {@code none}); measures as in {@link Distribution}
 * ({@code creator_top_share_items/views} are the creator concentration). Whole-population rows
 * have slice all/all; the dimensions other than format are also written per format (slice_key
 * {@code format}). The sample adds {@code semantic_mean_cosine_distance} and
 * {@code semantic_vendi_score} ({@link SemanticDiversity}); both add {@code near_duplicate_rate}
 * ({@link NearDuplicates}). Only the figures reach the driver (a few hundred rows).
 */
public final class DiversityMetrics {
  /** Report section of the corpus figures. */
  public static final String CORPUS = "diversity_corpus";
  /** Report section of the sample figures. */
  public static final String SAMPLE = "diversity_sample";
  /** Dimensions, in display order. */
  public static final List<String> DIMENSIONS = List.of("format", "language", "region", "creator", "topic");
  /** Topic of an item no category labels violating. */
  public static final String NO_TOPIC = "none";

  private static final String ALL = "all";
  private static final Map<String, String> COLUMNS =
      Map.of("format", "format", "language", "language", "region", "region", "creator", "creator_id");

  private final DiversitySettings settings;
  private final EmbeddingStore embeddings;

  /** @param embeddings where the semantic figures' vectors are kept; its window is the settings' max tokens */
  public DiversityMetrics(DiversitySettings settings, EmbeddingStore embeddings) {
    this.settings = settings;
    this.embeddings = embeddings;
  }

  /**
   * The run's diversity rows, shaped like {@code metrics}.
   *
   * @param content the run's content rows
   * @param samples the run's samples rows (may be empty)
   * @param scores the run's scores rows (may be empty: no topic dimension then)
   */
  public List<Row> compute(String runId, Dataset<Row> content, Dataset<Row> samples, Dataset<Row> scores) {
    Dataset<Row> corpus = content.select(col("content_id"), col("content_hash"), col("format"), col("language"), col("region"),
        col("creator_id"), col("views"),
        concat_ws(" ", coalesce(col("title"), lit("")), coalesce(col("description"), lit("")),
            coalesce(col("transcript"), lit(""))).as("text")).persist();
    Dataset<Row> sample = samples.select(col("content_id")).distinct().join(corpus, "content_id").persist();
    try {
      return figures(runId, corpus, sample, scores);
    } finally {
      sample.unpersist();
      corpus.unpersist();
    }
  }

  /** The figures of {@code corpus} and {@code sample} (kept in memory: every dimension reads them). */
  private List<Row> figures(String runId, Dataset<Row> corpus, Dataset<Row> sample, Dataset<Row> scores) {

    Dataset<Row> items = dimensionRows(CORPUS, corpus).union(dimensionRows(SAMPLE, sample))
        .union(topicRows(scores, sample));
    List<Row> rows = new ArrayList<>();
    List<Row> figures = Distribution.measures(items, List.of("report", "dimension", "slice_key", "slice_value"),
        settings.topK(), settings.creatorTopShare()).collectAsList();
    for (Row f : figures) {
      String dimension = f.getAs("dimension");
      String measure = f.getAs("metric");
      if (measure.startsWith("top_share_") && !"creator".equals(dimension)) {
        continue;
      }
      Double value = f.getAs("value");
      if (value == null || value.isNaN()) {
        continue;
      }
      rows.add(RowFactory.create(runId, f.getAs("report"), dimension + "_" + measure, "", f.getAs("slice_key"),
          f.getAs("slice_value"), value, null, null, f.getAs("n")));
    }

    if (settings.semanticMaxItems() > 0) {
      SemanticDiversity.Result semantic = SemanticDiversity.of(SemanticDiversity.embed(
          sample.select(col("content_id"), col("content_hash"), col("text")), settings.semanticMaxItems(),
          settings.seed(), embeddings));
      if (semantic != null) {
        rows.add(whole(runId, SAMPLE, "semantic_mean_cosine_distance", semantic.meanCosineDistance(), semantic.items()));
        rows.add(whole(runId, SAMPLE, "semantic_vendi_score", semantic.vendiScore(), semantic.items()));
      }
    }
    for (String report : List.of(CORPUS, SAMPLE)) {
      NearDuplicates.Result near = NearDuplicates.of((report.equals(CORPUS) ? corpus : sample)
          .select(col("content_id"), col("text")), settings.nearDuplicateSimilarity(),
          settings.nearDuplicateMaxItems(), settings.seed());
      if (near.rate() != null) {
        rows.add(whole(runId, report, "near_duplicate_rate", near.rate(), near.items()));
      }
    }
    return rows;
  }

  private static Row whole(String runId, String report, String metric, double value, long n) {
    return RowFactory.create(runId, report, metric, "", ALL, ALL, value, null, null, n);
  }

  /** One row per item × dimension × slice (whole population, and per format for the others). */
  private Dataset<Row> dimensionRows(String report, Dataset<Row> items) {
    Dataset<Row> out = null;
    for (Map.Entry<String, String> d : orderedColumns()) {
      String dimension = d.getKey();
      Column value = col(d.getValue()).cast("string");
      Dataset<Row> whole = shaped(items, report, dimension, lit(ALL), lit(ALL), value);
      out = out == null ? whole : out.union(whole);
      if (!dimension.equals("format")) {
        out = out.union(shaped(items, report, dimension, lit("format"), coalesce(col("format"), lit("unknown")), value));
      }
    }
    return out;
  }

  private List<Map.Entry<String, String>> orderedColumns() {
    List<Map.Entry<String, String>> list = new ArrayList<>();
    for (String d : DIMENSIONS) {
      if (COLUMNS.containsKey(d)) {
        list.add(Map.entry(d, COLUMNS.get(d)));
      }
    }
    return list;
  }

  private Dataset<Row> shaped(Dataset<Row> items, String report, String dimension, Column sliceKey,
      Column sliceValue, Column value) {
    List<String> expected = settings.expected().getOrDefault(dimension, List.of());
    return items.select(lit(report).as("report"), lit(dimension).as("dimension"), sliceKey.as("slice_key"),
        sliceValue.as("slice_value"), value.as(Distribution.VALUE), col("views").as(Distribution.VIEWS),
        expectedFlag(value, expected).as(Distribution.EXPECTED),
        (expected.isEmpty() ? lit(null) : lit((long) expected.size())).cast("long").as(Distribution.EXPECTED_SIZE));
  }

  private static Column expectedFlag(Column value, List<String> expected) {
    return expected.isEmpty() ? lit(null).cast("boolean") : value.isin(expected.toArray());
  }

  /** Sampled items' topics from their scores: each violating category, or "none". */
  private Dataset<Row> topicRows(Dataset<Row> scores, Dataset<Row> sample) {
    Dataset<Row> usable = scores.filter(col("status").isin("ok", "cached"))
        .select(col("content_id"), col("category"), col("label"));
    Dataset<Row> perItem = usable.groupBy("content_id").agg(max(when(col("label"), 1).otherwise(0)).as("any"));
    Dataset<Row> topics = usable.filter(col("label").equalTo(true)).select(col("content_id"), col("category").as("topic"))
        .union(perItem.filter(col("any").equalTo(0)).select(col("content_id"), lit(NO_TOPIC).as("topic")));
    Dataset<Row> withFormat = topics.join(sample.select("content_id", "format"), Seqs.of("content_id"), "left");
    List<String> expected = settings.expected().getOrDefault("topic", List.of());
    Column value = col("topic");
    Dataset<Row> whole = withFormat.select(lit(SAMPLE).as("report"), lit("topic").as("dimension"),
        lit(ALL).as("slice_key"), lit(ALL).as("slice_value"), value.as(Distribution.VALUE),
        lit(0L).as(Distribution.VIEWS), expectedFlag(value, expected).as(Distribution.EXPECTED),
        (expected.isEmpty() ? lit(null) : lit((long) expected.size())).cast("long").as(Distribution.EXPECTED_SIZE));
    Dataset<Row> byFormat = withFormat.select(lit(SAMPLE).as("report"), lit("topic").as("dimension"),
        lit("format").as("slice_key"), coalesce(col("format"), lit("unknown")).as("slice_value"),
        value.as(Distribution.VALUE), lit(0L).as(Distribution.VIEWS),
        expectedFlag(value, expected).as(Distribution.EXPECTED),
        (expected.isEmpty() ? lit(null) : lit((long) expected.size())).cast("long").as(Distribution.EXPECTED_SIZE));
    return whole.union(byFormat);
  }
}
