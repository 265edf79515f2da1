package io.ecolens.evaluate;

import java.io.Serializable;

/** Bean (for Spark's encoder) holding the ranking figures of one category and slice. */
public class RankingResult implements Serializable {
  private String category;
  private String sliceKey;
  private String sliceValue;
  private long positives;
  private long negatives;
  private double averagePrecision;
  private double rocAuc;

  public RankingResult() {}

  RankingResult(String category, String sliceKey, String sliceValue, Ranking r) {
    this.category = category;
    this.sliceKey = sliceKey;
    this.sliceValue = sliceValue;
    this.positives = r.positives();
    this.negatives = r.negatives();
    this.averagePrecision = r.averagePrecision();
    this.rocAuc = r.rocAuc();
  }

  public String getCategory() { return category; }
  public void setCategory(String v) { category = v; }
  public String getSliceKey() { return sliceKey; }
  public void setSliceKey(String v) { sliceKey = v; }
  public String getSliceValue() { return sliceValue; }
  public void setSliceValue(String v) { sliceValue = v; }
  public long getPositives() { return positives; }
  public void setPositives(long v) { positives = v; }
  public long getNegatives() { return negatives; }
  public void setNegatives(long v) { negatives = v; }
  public double getAveragePrecision() { return averagePrecision; }
  public void setAveragePrecision(double v) { averagePrecision = v; }
  public double getRocAuc() { return rocAuc; }
  public void setRocAuc(double v) { rocAuc = v; }
}
