package io.ecolens.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.testing.SparkTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The driver-side fit is MLlib's LogisticRegression fitted to convergence (same heads, same
 * probabilities), and the driver-side AUPRC is MLlib's evaluator's.
 */
class LocalLogisticTest extends SparkTest {
  private static final int N = 600;
  private static final int D = 24;

  /** Features like embeddings (small, correlated), one constant column, noisy labels from a linear rule. */
  private static float[][] features(Random random) {
    float[][] x = new float[N][D];
    for (int i = 0; i < N; i++) {
      double shared = random.nextGaussian();
      for (int j = 0; j < D; j++) {
        x[i][j] = (float) (0.05 * random.nextGaussian() + 0.02 * shared * (j % 3));
      }
      x[i][D - 1] = 0.125f; // constant: MLlib leaves its weight at 0
    }
    return x;
  }

  private static double[] labels(float[][] x, Random random) {
    double[] y = new double[N];
    for (int i = 0; i < N; i++) {
      double margin = -1.2 + 30 * x[i][0] - 20 * x[i][1] + 10 * x[i][5];
      y[i] = random.nextDouble() < 1 / (1 + Math.exp(-margin)) ? 1.0 : 0.0;
    }
    return y;
  }

  private static double[] doubles(float[] row) {
    double[] v = new double[row.length];
    for (int j = 0; j < row.length; j++) {
      v[j] = row[j];
    }
    return v;
  }

  private static LogisticRegressionModel mllib(float[][] x, double[] y, int[] rows, double regularization,
      boolean balanced) {
    double positives = Arrays.stream(rows).mapToDouble(i -> y[i]).sum();
    List<Row> data = new ArrayList<>();
    for (int i : rows) {
      double weight = !balanced ? 1.0 : rows.length / (2 * (y[i] == 1.0 ? positives : rows.length - positives));
      data.add(RowFactory.create(y[i], weight, Vectors.dense(doubles(x[i]))));
    }
    StructType schema = new StructType().add("label", DataTypes.DoubleType).add("weight", DataTypes.DoubleType)
        .add("features", SQLDataTypes.VectorType());
    Dataset<Row> frame = spark.createDataFrame(data, schema).repartition(2);
    return new LogisticRegression().setRegParam(regularization).setElasticNetParam(0.0).setWeightCol("weight")
        .setMaxIter(1000).setTol(1e-12).fit(frame);
  }

  @Test
  void fitsWhatMllibFitsOnAllRowsAndOnAFoldWithAndWithoutClassWeights() {
    Random random = new Random(7);
    float[][] x = features(random);
    double[] y = labels(x, random);
    int[] all = IntStream.range(0, N).toArray();
    int[] fold = IntStream.range(0, N).filter(i -> i % 5 != 2).toArray();
    for (int[] rows : List.of(all, fold)) {
      for (double regularization : new double[] {0.01, 0.1}) {
        assertSameHeadAsMllib(x, y, rows, regularization, false);
        assertSameHeadAsMllib(x, y, rows, regularization, true);
      }
    }
  }

  private static void assertSameHeadAsMllib(float[][] x, double[] y, int[] rows, double regularization,
      boolean balanced) {
    LogisticRegressionModel expected = mllib(x, y, rows, regularization, balanced);
    LocalLogistic.Model actual = new LocalLogistic(500, 1e-9, balanced).fit(x, y, rows, regularization, null);
    String fit = "regParam " + regularization + (balanced ? ", balanced" : "");
    double[] coefficients = expected.coefficients().toArray();
    for (int j = 0; j < D; j++) {
      assertThat(actual.weights()[j]).as("weight %d at %s", j, fit)
          .isCloseTo(coefficients[j], within(1e-6 * Math.max(1, Math.abs(coefficients[j]))));
    }
    assertThat(actual.weights()[D - 1]).isEqualTo(0.0);
    assertThat(actual.intercept()).as("intercept at %s", fit).isCloseTo(expected.intercept(), within(1e-6));
    for (int i = 0; i < N; i++) {
      double p = expected.predictProbability(Vectors.dense(doubles(x[i]))).apply(1);
      assertThat(actual.probability(x[i])).as("probability at %s", fit).isCloseTo(p, within(1e-7));
    }
  }

  @Test
  void aWarmStartEndsAtTheSameHead() {
    Random random = new Random(11);
    float[][] x = features(random);
    double[] y = labels(x, random);
    int[] rows = IntStream.range(0, N).toArray();
    LocalLogistic logistic = new LocalLogistic(500, 1e-9, true);
    LocalLogistic.Model strong = logistic.fit(x, y, rows, 1.0, null);
    LocalLogistic.Model cold = logistic.fit(x, y, rows, 0.001, null);
    LocalLogistic.Model warm = logistic.fit(x, y, rows, 0.001, strong);
    for (int i = 0; i < N; i++) {
      assertThat(warm.probability(x[i])).isCloseTo(cold.probability(x[i]), within(1e-7));
    }
    assertThat(strong.probability(x[0])).isNotCloseTo(cold.probability(x[0]), within(1e-3));
  }

  @Test
  void areaUnderPrIsMllibsWithTiesAndWithout() {
    Random random = new Random(3);
    for (int distinct : new int[] {20, 1_500}) {
      int n = 1_800;
      double[] scores = new double[n];
      double[] labels = new double[n];
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        scores[i] = Math.floor(random.nextDouble() * distinct) / distinct; // ties when distinct < n
        labels[i] = random.nextDouble() < 0.1 + 0.5 * scores[i] ? 1.0 : 0.0;
        rows.add(RowFactory.create(scores[i], labels[i]));
      }
      StructType schema = new StructType().add("p", DataTypes.DoubleType).add("label", DataTypes.DoubleType);
      double expected = new BinaryClassificationEvaluator().setRawPredictionCol("p").setLabelCol("label")
          .setMetricName("areaUnderPR").evaluate(spark.createDataFrame(rows, schema).repartition(3));
      assertThat(CrossValidation.areaUnderPr(scores, labels)).as("%d distinct scores", distinct)
          .isCloseTo(expected, within(1e-12));
    }
  }

  @Test
  void aFitNeedsBothClasses() {
    float[][] x = {{0.1f}, {0.2f}, {0.3f}};
    double[] y = {1, 1, 1};
    assertThatThrownBy(() -> new LocalLogistic(50, 1e-6, false).fit(x, y, new int[] {0, 1, 2}, 0.01, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("both classes");
  }
}
