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
 * floats are 77 MB (rows are converted one at a time as they arrive).
 */
final class Labelled {
  /**
   * One category's labelled items: {@code rows} are item indices (into {@link #features}), in
   * content_id order; {@code y} holds each item's label (0/1) at the item's index, so {@code
   * y[rows[r]]}; {@code positives} counts the 1s.
   */
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
    // Each row becomes a float[] as it arrives: a collected Row holds its vector as boxed Floats.
    List<Item> items = new ArrayList<>();
    Iterator<Row> rows = embedded.select("content_id", "vector", "fold", "inner_fold").toLocalIterator();
    while (rows.hasNext()) {
      Row r = rows.next();
      List<Float> vector = r.getList(1);
      float[] features = new float[vector.size()];
      for (int j = 0; j < features.length; j++) {
        features[j] = vector.get(j);
      }
      items.add(new Item(r.getString(0), features, r.getInt(2), r.getInt(3)));
    }
    items.sort(Comparator.comparing(Item::id));
    int n = items.size();
    String[] ids = new String[n];
    float[][] features = new float[n][];
    int[] folds = new int[n];
    int[] innerFolds = new int[n];
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Item item = items.get(i);
      ids[i] = item.id();
      features[i] = item.features();
      folds[i] = item.fold();
      innerFolds[i] = item.innerFold();
      index.put(ids[i], i);
    }
    Map<String, List<int[]>> byCategory = new HashMap<>();
    Iterator<Row> voteRows = votes.select("content_id", "category", "label").toLocalIterator();
    while (voteRows.hasNext()) {
      Row v = voteRows.next();
      Integer i = index.get(v.getString(0));
      if (i != null) {
        byCategory.computeIfAbsent(v.getString(1), c -> new ArrayList<>())
            .add(new int[] {i, v.getDouble(2) == 1.0 ? 1 : 0});
      }
    }
    return new Labelled(ids, features, folds, innerFolds, byCategory);
  }

  private record Item(String id, float[] features, int fold, int innerFold) {}

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

  /**
   * The item's inner fold: one seeded hash for all items, used within whichever training side
   * (an outer fold's other folds, or all items for the saved head) a regularisation is chosen on.
   */
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
