package io.ecolens.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.testing.SparkTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * train's cross-validation: with one regularisation it is plain k-fold cross-validation (each fold
 * scored by a head fitted on the others); with a grid, the value is chosen without the scored fold,
 * and the figures do not depend on how the folds were spread over threads.
 */
class CrossValidationTest extends SparkTest {
  private static final int N = 400;
  private static final int D = 16;
  private static final int FOLDS = 5;
  private static Labelled data;

  /**
   * 400 items with 16 noisy features in 5 folds and 3 inner folds, labelled "spam" by a linear rule
   * with noise, and "rare" with every positive in fold 0.
   */
  @BeforeAll
  static void items() {
    Random random = new Random(5);
    List<Row> vectors = new ArrayList<>();
    List<Row> votes = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      float[] v = new float[D];
      for (int j = 0; j < D; j++) {
        v[j] = (float) (0.05 * random.nextGaussian());
      }
      double margin = -2 + 40 * v[0] - 30 * v[3];
      String id = String.format("c%04d", i);
      List<Float> vector = new ArrayList<>();
      for (float f : v) {
        vector.add(f);
      }
      int fold = random.nextInt(FOLDS);
      vectors.add(RowFactory.create(id, vector, fold, random.nextInt(3)));
      votes.add(RowFactory.create(id, "spam", random.nextDouble() < 1 / (1 + Math.exp(-margin)) ? 1.0 : 0.0));
      votes.add(RowFactory.create(id, "rare", fold == 0 && i % 7 == 0 ? 1.0 : 0.0)); // positives in fold 0 only
    }
    StructType vectorSchema = new StructType().add("content_id", DataTypes.StringType)
        .add("vector", DataTypes.createArrayType(DataTypes.FloatType)).add("fold", DataTypes.IntegerType)
        .add("inner_fold", DataTypes.IntegerType);
    StructType voteSchema = new StructType().add("content_id", DataTypes.StringType)
        .add("category", DataTypes.StringType).add("label", DataTypes.DoubleType);
    data = Labelled.collect(spark.createDataFrame(vectors, vectorSchema), spark.createDataFrame(votes, voteSchema));
  }

  @Test
  void oneRegularizationIsPlainKFoldCrossValidation() {
    LocalLogistic logistic = new LocalLogistic(500, 1e-8, true);
    Labelled.Category spam = data.category("spam");
    CrossValidation.Outcome outcome = new CrossValidation(logistic, List.of(0.05), FOLDS, 3).run(data, spam, "spam")
        .orElseThrow();

    int[] rows = spam.rows();
    double[] scores = new double[rows.length];
    double[] truth = new double[rows.length];
    for (int k = 0; k < FOLDS; k++) {
      int fold = k;
      int[] training = Arrays.stream(rows).filter(i -> data.fold(i) != fold).toArray();
      LocalLogistic.Model model = logistic.fit(data.features(), spam.y(), training, 0.05, null);
      for (int r = 0; r < rows.length; r++) {
        if (data.fold(rows[r]) == fold) {
          scores[r] = model.probability(data.features()[rows[r]]);
        }
      }
    }
    for (int r = 0; r < rows.length; r++) {
      truth[r] = spam.y()[rows[r]];
    }
    assertThat(outcome.fit().items()).isEqualTo(N);
    assertThat(outcome.fit().regularization()).isEqualTo(0.05);
    assertThat(outcome.fit().auprc()).isCloseTo(CrossValidation.areaUnderPr(scores, truth), within(1e-12));
    assertThat(outcome.fit().auprc()).as("the rule is learnable").isGreaterThan(2.0 * spam.positives() / N);
    LocalLogistic.Model all = logistic.fit(data.features(), spam.y(), rows, 0.05, null);
    assertThat(outcome.head().intercept()).isCloseTo(all.intercept(), within(1e-12));
  }

  @Test
  void aCategoryWhosePositivesAllFallInOneFoldGetsNoHead() {
    Labelled.Category rare = data.category("rare");
    assertThat(rare.positives()).isGreaterThanOrEqualTo(FOLDS);
    assertThat(new CrossValidation(new LocalLogistic(500, 1e-8, true), List.of(0.05), FOLDS, 3)
        .run(data, rare, "rare")).isEmpty();
  }

  @Test
  void areaUnderPrEndsOnScoresThatAreNotNumbers() {
    double area = CrossValidation.areaUnderPr(new double[] {0.9, Double.NaN, Double.NaN, 0.1},
        new double[] {1, 0, 1, 0});
    assertThat(area).isBetween(0.0, 1.0);
  }

  @Test
  void aGridChoosesOneOfItsValuesTheSameWayEveryTime() {
    List<Double> grid = List.of(1e-4, 1e-2, 1.0, 100.0);
    CrossValidation validation = new CrossValidation(new LocalLogistic(500, 1e-8, true), grid, FOLDS, 3);
    CrossValidation.Outcome first = validation.run(data, data.category("spam"), "spam").orElseThrow();
    CrossValidation.Outcome second = validation.run(data, data.category("spam"), "spam").orElseThrow();
    assertThat(grid).contains(first.fit().regularization());
    assertThat(first.fit().regularization()).as("100 shrinks the head to its intercept").isLessThan(100.0);
    assertThat(second.fit()).isEqualTo(first.fit());
    assertThat(second.head().weights()).isEqualTo(first.head().weights());
  }
}
