package io.ecolens.experiment;

import java.util.Arrays;
import java.util.List;

/**
 * One judge's verdicts (or the adjudicated human labels) on the experiment's items, per category:
 * a label (1 violating, 0 not, {@link #MISSING} when there is none: a scoring error, or a human
 * tie) and a score in 0..1 (NaN when missing). Items are in the same order for every judge of an
 * experiment, so item i of two judges is the same item.
 */
public final class Judgements {
  public static final byte MISSING = -1;

  private final List<String> categories;
  private final byte[][] labels;
  private final double[][] scores;

  /** An empty set of verdicts for {@code items} items, every one missing. */
  public Judgements(List<String> categories, int items) {
    this.categories = List.copyOf(categories);
    this.labels = new byte[categories.size()][items];
    this.scores = new double[categories.size()][items];
    for (int k = 0; k < categories.size(); k++) {
      Arrays.fill(labels[k], MISSING);
      Arrays.fill(scores[k], Double.NaN);
    }
  }

  /** Verdicts given as label strings per category ("1", "0", "-" for missing) and scores. */
  public static Judgements of(List<String> categories, String[] labels, double[][] scores) {
    Judgements j = new Judgements(categories, labels[0].length());
    for (int k = 0; k < categories.size(); k++) {
      for (int i = 0; i < labels[k].length(); i++) {
        char ch = labels[k].charAt(i);
        double s = scores == null ? Double.NaN : scores[k][i];
        if (ch == '1' || ch == '0') {
          j.set(k, i, ch == '1', s);
        }
      }
    }
    return j;
  }

  /** Records the verdict of item {@code i} in category {@code k}. */
  public void set(int k, int i, boolean label, double score) {
    labels[k][i] = (byte) (label ? 1 : 0);
    scores[k][i] = score;
  }

  public List<String> categories() {
    return categories;
  }

  public int items() {
    return labels.length == 0 ? 0 : labels[0].length;
  }

  /** 1, 0 or {@link #MISSING}. */
  public byte label(int k, int i) {
    return labels[k][i];
  }

  /** The score, NaN when missing. */
  public double score(int k, int i) {
    return scores[k][i];
  }
}
