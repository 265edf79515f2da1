package io.ecolens.evaluate;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * Streams a sorted partition of label counts into one {@link SliceFigures} per category x slice
 * value. Input rows: category, slice_key, slice_value, model_label, model_score, pos, neg (positive
 * and negative human labels), sorted by the first three and then by score descending with null
 * scores last. One pass, O(1) memory per group: the confusion counts add up every row; the scored
 * rows of one distinct score (both model labels) form one step of {@link Ranking} (ties share a
 * threshold); for the whole-run slice, each score also adds its counts to the highest threshold
 * i / steps it reaches (summed downwards at the end, so the sweep counts items with score ≥ t) and
 * to its reliability bin ({@link Calibration#bin}).
 */
final class SliceStream implements MapPartitionsFunction<Row, SliceFigures> {
  private final int steps;
  private final int bins;

  SliceStream(int steps, int bins) {
    this.steps = steps;
    this.bins = bins;
  }

  @Override
  public Iterator<SliceFigures> call(Iterator<Row> rows) {
    List<SliceFigures> out = new ArrayList<>();
    Group group = null;
    while (rows.hasNext()) {
      Row r = rows.next();
      String category = r.getString(0);
      String key = r.getString(1);
      String value = r.getString(2);
      if (group == null || !group.is(category, key, value)) {
        if (group != null) {
          out.add(group.finish());
        }
        group = new Group(new SliceFigures(category, key, value), key.equals("all"));
      }
      group.add(r.getBoolean(3), r.isNullAt(4) ? null : r.getDouble(4), r.getLong(5), r.getLong(6));
    }
    if (group != null) {
      out.add(group.finish());
    }
    return out.iterator();
  }

  /** The running sums of one category x slice value. */
  private final class Group {
    private final SliceFigures figures;
    private final boolean whole;
    private final Ranking ranking = new Ranking();
    private final long[] stepTp;
    private final long[] stepFp;
    private final long[] binItems;
    private final double[] binScoreSum;
    private final long[] binPositives;
    private final double[] binSquaredError;
    private long tp;
    private long fp;
    private long fn;
    private long tn;
    private Double score; // the distinct score being gathered, with its counts below
    private long scorePos;
    private long scoreNeg;

    Group(SliceFigures figures, boolean whole) {
      this.figures = figures;
      this.whole = whole;
      int s = whole ? steps + 1 : 0;
      int b = whole ? bins : 0;
      stepTp = new long[s];
      stepFp = new long[s];
      binItems = new long[b];
      binScoreSum = new double[b];
      binPositives = new long[b];
      binSquaredError = new double[b];
    }

    boolean is(String category, String key, String value) {
      return figures.getCategory().equals(category) && figures.getSliceKey().equals(key)
          && figures.getSliceValue().equals(value);
    }

    void add(boolean predicted, Double s, long pos, long neg) {
      if (predicted) {
        tp += pos;
        fp += neg;
      } else {
        fn += pos;
        tn += neg;
      }
      if (s == null) {
        return;
      }
      if (score != null && Double.compare(score, s) != 0) {
        flushScore();
      }
      score = s;
      scorePos += pos;
      scoreNeg += neg;
      if (whole) {
        int step = highestStep(s);
        if (step >= 0) {
          stepTp[step] += pos;
          stepFp[step] += neg;
        }
        int b = Calibration.bin(s, bins);
        binItems[b] += pos + neg;
        binScoreSum[b] += s * (pos + neg);
        binPositives[b] += pos;
        binSquaredError[b] += pos * (1.0 - s) * (1.0 - s) + neg * s * s;
      }
    }

    /** The highest i with i / steps ≤ score (as Spark compares doubles: NaN above all); -1 if none. */
    private int highestStep(double s) {
      if (Double.isNaN(s)) {
        return steps;
      }
      int i = (int) Math.max(-1, Math.min(steps, Math.floor(s * steps)));
      while (i < steps && (double) (i + 1) / steps <= s) {
        i++;
      }
      while (i >= 0 && (double) i / steps > s) {
        i--;
      }
      return i;
    }

    private void flushScore() {
      ranking.add(scorePos, scoreNeg);
      scorePos = 0;
      scoreNeg = 0;
    }

    SliceFigures finish() {
      if (score != null) {
        flushScore();
      }
      figures.setTp(tp);
      figures.setFp(fp);
      figures.setFn(fn);
      figures.setTn(tn);
      figures.setScoredPositives(ranking.positives());
      figures.setScoredNegatives(ranking.negatives());
      figures.setAveragePrecision(ranking.averagePrecision());
      figures.setRocAuc(ranking.rocAuc());
      for (int i = stepTp.length - 2; i >= 0; i--) { // counts at score >= i / steps
        stepTp[i] += stepTp[i + 1];
        stepFp[i] += stepFp[i + 1];
      }
      figures.setSweepTp(stepTp);
      figures.setSweepFp(stepFp);
      figures.setBinItems(binItems);
      figures.setBinScoreSum(binScoreSum);
      figures.setBinPositives(binPositives);
      figures.setBinSquaredError(binSquaredError);
      return figures;
    }
  }
}
