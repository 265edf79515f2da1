package io.ecolens.embedding;

import java.io.Serializable;

/** A text's embedding as it leaves an executor, under its key; a JavaBean so Spark can encode it. */
public class EmbeddingRow implements Serializable {
  private String contentHash;
  private String textHash;
  private float[] vector;
  private boolean truncated;

  public EmbeddingRow() {}

  public EmbeddingRow(String contentHash, String textHash, float[] vector, boolean truncated) {
    this.contentHash = contentHash;
    this.textHash = textHash;
    this.vector = vector;
    this.truncated = truncated;
  }

  public String getContentHash() { return contentHash; }
  public void setContentHash(String v) { contentHash = v; }
  public String getTextHash() { return textHash; }
  public void setTextHash(String v) { textHash = v; }
  public float[] getVector() { return vector; }
  public void setVector(float[] v) { vector = v; }
  public boolean isTruncated() { return truncated; }
  public void setTruncated(boolean v) { truncated = v; }
}
