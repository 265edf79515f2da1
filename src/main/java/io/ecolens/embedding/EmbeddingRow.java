package io.ecolens.embedding;

import java.io.Serializable;

/** An item's MiniLM embedding as it leaves an executor; a JavaBean so Spark can encode it. */
public class EmbeddingRow implements Serializable {
  private String contentId;
  private double[] vector;
  private boolean truncated;

  public EmbeddingRow() {}

  public EmbeddingRow(String contentId, float[] vector, boolean truncated) {
    this.contentId = contentId;
    this.vector = new double[vector.length];
    for (int i = 0; i < vector.length; i++) {
      this.vector[i] = vector[i];
    }
    this.truncated = truncated;
  }

  public String getContentId() { return contentId; }
  public void setContentId(String v) { contentId = v; }
  public double[] getVector() { return vector; }
  public void setVector(double[] v) { vector = v; }
  public boolean isTruncated() { return truncated; }
  public void setTruncated(boolean v) { truncated = v; }
}
