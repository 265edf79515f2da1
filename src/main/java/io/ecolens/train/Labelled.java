package io.ecolens.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code train}'s labelled items in the driver: one feature vector and fold per item (sorted by
 * content_id, so the fits do not depend on how Spark partitioned them) and, per category, the items
 * with a majority label and that label. At most {@code train.max-items} items: 50,000 items of 384
 * floats are 77 MB.
 */
final class Labelled {
  /** One category's labelled items: indices into the features, the labels (0/1) by index, positives. */
  record Category(int[] rows, double[] y, long positives) {}

  private final String[] ids;
  private final float[][] features;
  private final int[] folds;
  private final int[] innerFolds;
  private final Map<String, List<int[]>> votes;

  private Labelled(String[] ids, float[][] features, int[] folds, int[] innerFolds, Map<String, List<int[]>> votes) {
    this.ids = ids;
    this.features = features;
    this.folds = folds;
    this.innerFolds = innerFolds;
    this.votes = votes;
  }

  /**
   * Collects {@code embedded} (content_id, vector as array of float, fold, inner_fold) and the {@code votes}
   * (content_id, category, label as 0.0/1.0) of those items; votes of other items are left out.
   */
  static Labelled collect(Dataset<Row> embedded, Dataset<Row> votes) {
    List<Row> rows = new ArrayList<>();
    Iterator<Row> it = embedded.select("content_id", "vector", "fold", "inner_fold").toLocalIterator();
    while (it.hasNext()) {
      rows.add(it.next());
    }
    rows.sort(Comparator.comparing(r -> r.getString(0)));
    int n = rows.size();
    String[] ids = new String[n];
    float[][] features = new float[n][];
    int[] folds = new int[n];
    int[] innerFolds = new int[n];
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
      ids[i] = r.getString(0);
      List<Float> vector = r.getList(1);
      features[i] = new float[vector.size()];
      for (int j = 0; j < features[i].length; j++) {
        features[i][j] = vector.get(j);
      }
      folds[i] = r.getInt(2);
      innerFolds[i] = r.getInt(3);
      index.put(ids[i], i);
      rows.set(i, null);
    }
    Map<String, List<int[]>> byCategory = new HashMap<>();
    for (Row v : votes.select("content_id", "category", "label").collectAsList()) {
      Integer i = index.get(v.getString(0));
      if (i != null) {
        byCategory.computeIfAbsent(v.getString(1), c -> new ArrayList<>())
            .add(new int[] {i, v.getDouble(2) == 1.0 ? 1 : 0});
      }
    }
    return new Labelled(ids, features, folds, innerFolds, byCategory);
  }

  long items() {
    return ids.length;
  }

  String id(int item) {
    return ids[item];
  }

  float[][] features() {
    return features;
  }

  int fold(int item) {
    return folds[item];
  }

  /** The item's fold within the items of an outer fold's training side (and of all items, for the saved head). */
  int innerFold(int item) {
    return innerFolds[item];
  }

  /** The items labelled for {@code category}, in content_id order. */
  Category category(String category) {
    List<int[]> labelled = new ArrayList<>(votes.getOrDefault(category, List.of()));
    labelled.sort(Comparator.comparingInt(v -> v[0]));
    int[] rows = new int[labelled.size()];
    double[] y = new double[ids.length];
    long positives = 0;
    for (int r = 0; r < rows.length; r++) {
      rows[r] = labelled.get(r)[0];
      y[rows[r]] = labelled.get(r)[1];
      positives += labelled.get(r)[1];
    }
    return new Category(rows, y, positives);
  }
}
