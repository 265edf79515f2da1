package io.ecolens.embedding;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.size;

import io.delta.exceptions.DeltaConcurrentModificationException;
import io.ecolens.Errors;
import io.ecolens.config.EmbeddingModel;
import io.ecolens.spark.Seqs;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process embeddings kept in {@code embeddings}: each (content_hash, text_hash, model) is computed once,
 * with the model on the executors, and every later call, by any stage or run, reads it back.
 *
 * <p>The exact text's SHA-256 is part of the key beside content_hash because content_hash is taken
 * over lower-cased fields and hashtags, and consumers embed different renderings of one item
 * (semantic diversity joins title, description and transcript with spaces; training and the
 * embedded scorer use {@code ScoringItem.text()}): a vector is only ever reused for the same text.
 * The model id ({@link Embedder#modelId}) names the model, the window and how long texts are pooled.
 * A vector does not depend on the batch it was computed in ({@link Embedder#embed}), so a stored one
 * equals the one the consumer would have computed.
 */
public final class EmbeddingStore {
  /** Input columns: the item's content_hash (null is read as empty) and the text to embed. */
  public static final String CONTENT_HASH = "content_hash";
  public static final String TEXT = "text";
  /** Added by {@link #keyed}: SHA-256 of the text (null is read as empty, as the embedder reads it). */
  public static final String TEXT_HASH = "text_hash";
  /** Output columns: the vector (array of float) and whether the text was cut to the window. */
  public static final String VECTOR = "vector";
  public static final String TRUNCATED = "truncated";

  private static final List<String> KEY = List.of(CONTENT_HASH, TEXT_HASH, "model");
  private static final int BATCH = 64;
  private static final int ATTEMPTS = 3;
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddingStore.class);

  private final TableStore tables;
  private final EmbeddingModel embedding;
  private final int maxTokens;
  private final int intraOpThreads;

  /**
   * @param embedding the model; part of the model id
   * @param maxTokens the model window; part of the model id
   * @param intraOpThreads ONNX Runtime threads per task (the JVM's first caller's count wins)
   */
  public EmbeddingStore(TableStore tables, EmbeddingModel embedding, int maxTokens, int intraOpThreads) {
    if (maxTokens < 1 || intraOpThreads < 1) {
      throw new IllegalArgumentException("maxTokens and intraOpThreads must be at least 1, cannot be: "
          + maxTokens + ", " + intraOpThreads);
    }
    this.tables = tables;
    this.embedding = embedding;
    this.maxTokens = maxTokens;
    this.intraOpThreads = intraOpThreads;
  }

  /** The model id this store reads and writes, e.g. {@code all-minilm-l6-v2-q:max-tokens=256:windows=16}. */
  public String model() {
    return Embedder.modelId(embedding, maxTokens);
  }

  /**
   * The vectors a call returned and how many texts it embedded (0 when all were stored; a Spark task
   * retry counts its texts again).
   *
   * @param vectors one row per distinct (content_hash, text_hash) of the input: those two columns,
   *     {@link #VECTOR} and {@link #TRUNCATED}; join it to {@link #keyed} input on both
   */
  public record Embedded(Dataset<Row> vectors, long computed) {}

  /**
   * {@code texts} with content_hash null read as empty and {@link #TEXT_HASH} added: the columns
   * {@link Embedded#vectors} joins on. Fails naming the missing column when {@code texts} lacks one.
   */
  public static Dataset<Row> keyed(Dataset<Row> texts) {
    List<String> missing = new ArrayList<>();
    for (String column : List.of(CONTENT_HASH, TEXT)) {
      if (!Arrays.asList(texts.columns()).contains(column)) {
        missing.add(column);
      }
    }
    if (!missing.isEmpty()) {
      throw Errors.missingColumns("The input to embed", missing, "Select the item's content_hash and its text.");
    }
    return texts.withColumn(CONTENT_HASH, coalesce(col(CONTENT_HASH), lit("")))
        .withColumn(TEXT_HASH, sha2(coalesce(col(TEXT), lit("")), 256));
  }

  /**
   * The vectors of {@code texts} (columns content_hash and text): the keys {@code embeddings} lacks
   * are embedded on the executors and appended in one Delta commit, then all are read back. When
   * another writer commits first, the keys still missing are embedded again (at most 3 attempts).
   */
  public Embedded embed(Dataset<Row> texts) {
    Dataset<Row> keys = keyed(texts).select(CONTENT_HASH, TEXT_HASH, TEXT).dropDuplicates(CONTENT_HASH, TEXT_HASH);
    LongAccumulator embedded = texts.sparkSession().sparkContext().longAccumulator("embedded texts");
    for (int attempt = 1; ; attempt++) {
      Dataset<Row> missing = keys.join(stored(), Seqs.of(CONTENT_HASH, TEXT_HASH), "left_anti");
      // isEmpty runs the anti join alone: nothing is embedded when every key is stored.
      if (missing.isEmpty()) {
        break;
      }
      try {
        // One pass: the insert-only merge reads its source once, so each missing text is embedded once.
        tables.appendMissing(Table.EMBEDDINGS, compute(missing, embedded), KEY);
        break;
      } catch (DeltaConcurrentModificationException e) {
        // Another run appended vectors meanwhile: look again, and embed only what is still missing.
        if (attempt == ATTEMPTS) {
          throw e;
        }
        LOG.info("embeddings: another writer committed first ({}); attempt {} of {}", e.getClass().getSimpleName(),
            attempt + 1, ATTEMPTS);
      }
    }
    // Read after the commit, so the vectors just written are in the snapshot.
    Dataset<Row> vectors = stored().join(keys.select(CONTENT_HASH, TEXT_HASH), Seqs.of(CONTENT_HASH, TEXT_HASH),
        "left_semi");
    return new Embedded(vectors.select(CONTENT_HASH, TEXT_HASH, VECTOR, TRUNCATED), embedded.value());
  }

  private Dataset<Row> stored() {
    return tables.read(Table.EMBEDDINGS).filter(col("model").equalTo(lit(model())));
  }

  /** Rows of {@code embeddings} for (content_hash, text_hash, text) rows, embedded on the executors. */
  private Dataset<Row> compute(Dataset<Row> missing, LongAccumulator embedded) {
    EmbeddingModel kind = embedding;
    int window = maxTokens;
    int threads = intraOpThreads;
    MapPartitionsFunction<Row, EmbeddingRow> embed = partition -> embedPartition(partition, kind, window, threads,
        embedded);
    // Spread over every core: the keys to embed often arrive in one partition (a draw ends in a limit).
    int slots = missing.sparkSession().sparkContext().defaultParallelism();
    return missing.repartition(slots, col(TEXT_HASH)).mapPartitions(embed, Encoders.bean(EmbeddingRow.class))
        .select(col("contentHash").as(CONTENT_HASH), col("textHash").as(TEXT_HASH), lit(model()).as("model"),
            size(col("vector")).as("dimension"), col("vector").as(VECTOR), col("truncated").as(TRUNCATED),
            current_timestamp().as("created_at"));
  }

  /** Embeds a partition in batches of {@link #BATCH}, lazily, with the JVM's model for the window. */
  private static Iterator<EmbeddingRow> embedPartition(Iterator<Row> partition, EmbeddingModel kind, int maxTokens,
      int threads, LongAccumulator embedded) {
    if (!partition.hasNext()) {
      return Collections.emptyIterator();
    }
    Embedder model = Embedder.shared(kind, maxTokens, threads);
    return new Iterator<>() {
      private Iterator<EmbeddingRow> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && partition.hasNext()) {
          List<Row> batch = new ArrayList<>(BATCH);
          while (batch.size() < BATCH && partition.hasNext()) {
            batch.add(partition.next());
          }
          Embedder.Batch b = model.embed(batch.stream().map(r -> r.<String>getAs(TEXT)).toList());
          embedded.add(batch.size());
          List<EmbeddingRow> rows = new ArrayList<>(batch.size());
          for (int i = 0; i < batch.size(); i++) {
            rows.add(new EmbeddingRow(batch.get(i).getAs(CONTENT_HASH), batch.get(i).getAs(TEXT_HASH),
                b.vectors()[i], b.truncated()[i]));
          }
          current = rows.iterator();
        }
        return current.hasNext();
      }

      @Override
      public EmbeddingRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }
}
