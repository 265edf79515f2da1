package io.ecolens.evaluate;

import java.io.Serializable;

/**
 * Bean (for Spark's encoder) with every figure of one category and slice value that needs the
 * rows: the confusion counts, the ranking figures over the scored items, and, for the whole-run
 * slice only, the threshold sweep's counts and the reliability bins (empty arrays elsewhere).
 * Built by {@link SliceStream} inside the executors; only these reach the driver.
 */
public class SliceFigures implements Serializable {
  private String category;
  private String sliceKey;
  private String sliceValue;
  private long tp;
  private long fp;
  private long fn;
  private long tn;
  private long scoredPositives;
  private long scoredNegatives;
  private double averagePrecision;
  private double rocAuc;
  private long[] sweepTp = new long[0];
  private long[] sweepFp = new long[0];
  private long[] binItems = new long[0];
  private double[] binScoreSum = new double[0];
  private long[] binPositives = new long[0];
  private double[] binSquaredError = new double[0];

  public SliceFigures() {}

  SliceFigures(String category, String sliceKey, String sliceValue) {
    this.category = category;
    this.sliceKey = sliceKey;
    this.sliceValue = sliceValue;
  }

  /** The confusion matrix of this category and slice value. */
  Agreement agreement() {
    return new Agreement(tp, fp, fn, tn);
  }

  /** Whether any item had a score (else there are no ranking figures). */
  boolean scored() {
    return scoredPositives + scoredNegatives > 0;
  }

  public String getCategory() { return category; }
  public void setCategory(String v) { category = v; }
  public String getSliceKey() { return sliceKey; }
  public void setSliceKey(String v) { sliceKey = v; }
  public String getSliceValue() { return sliceValue; }
  public void setSliceValue(String v) { sliceValue = v; }
  public long getTp() { return tp; }
  public void setTp(long v) { tp = v; }
  public long getFp() { return fp; }
  public void setFp(long v) { fp = v; }
  public long getFn() { return fn; }
  public void setFn(long v) { fn = v; }
  public long getTn() { return tn; }
  public void setTn(long v) { tn = v; }
  public long getScoredPositives() { return scoredPositives; }
  public void setScoredPositives(long v) { scoredPositives = v; }
  public long getScoredNegatives() { return scoredNegatives; }
  public void setScoredNegatives(long v) { scoredNegatives = v; }
  public double getAveragePrecision() { return averagePrecision; }
  public void setAveragePrecision(double v) { averagePrecision = v; }
  public double getRocAuc() { return rocAuc; }
  public void setRocAuc(double v) { rocAuc = v; }
  public long[] getSweepTp() { return sweepTp; }
  public void setSweepTp(long[] v) { sweepTp = v; }
  public long[] getSweepFp() { return sweepFp; }
  public void setSweepFp(long[] v) { sweepFp = v; }
  public long[] getBinItems() { return binItems; }
  public void setBinItems(long[] v) { binItems = v; }
  public double[] getBinScoreSum() { return binScoreSum; }
  public void setBinScoreSum(double[] v) { binScoreSum = v; }
  public long[] getBinPositives() { return binPositives; }
  public void setBinPositives(long[] v) { binPositives = v; }
  public double[] getBinSquaredError() { return binSquaredError; }
  public void setBinSquaredError(double[] v) { binSquaredError = v; }
}
