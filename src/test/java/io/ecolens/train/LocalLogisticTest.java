package io.ecolens.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.testing.SparkTest;
import java.util.ArrayList;
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

  private static LogisticRegressionModel mllib(float[][] x, double[] y, int[] rows, double regularization) {
    List<Row> data = new ArrayList<>();
    for (int i : rows) {
      double[] v = new double[D];
      for (int j = 0; j < D; j++) {
        v[j] = x[i][j];
      }
      data.add(RowFactory.create(y[i], Vectors.dense(v)));
    }
    StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
    Dataset<Row> frame = spark.createDataFrame(data, schema).repartition(2);
    return new LogisticRegression().setRegParam(regularization).setElasticNetParam(0.0).setMaxIter(1000).setTol(1e-12).fit(frame);
  }

  @Test
  void fitsWhatMllibFitsOnAllRowsAndOnAFold() {
    Random random = new Random(7);
    float[][] x = features(random);
    double[] y = labels(x, random);
    int[] all = IntStream.range(0, N).toArray();
    int[] fold = IntStream.range(0, N).filter(i -> i % 5 != 2).toArray();

    for (int[] rows : List.of(all, fold)) {
      for (double regularization : new double[] {0.01, 0.1}) {
        LogisticRegressionModel expected = mllib(x, y, rows, regularization);
        LocalLogistic.Model actual = new LocalLogistic(regularization, 500, 1e-9).fit(x, y, rows);

        double[] coefficients = expected.coefficients().toArray();
        for (int j = 0; j < D; j++) {
          assertThat(actual.weights()[j]).as("weight %d at regParam %s", j, regularization)
              .isCloseTo(coefficients[j], within(1e-6 * Math.max(1, Math.abs(coefficients[j]))));
        }
        assertThat(actual.weights()[D - 1]).isEqualTo(0.0);
        assertThat(actual.intercept()).isCloseTo(expected.intercept(), within(1e-6));
        for (int i = 0; i < N; i++) {
          double[] v = new double[D];
          for (int j = 0; j < D; j++) {
            v[j] = x[i][j];
          }
          double p = expected.predictProbability(Vectors.dense(v)).apply(1);
          assertThat(actual.probability(x[i])).isCloseTo(p, within(1e-7));
        }
      }
    }
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
      assertThat(TrainStage.areaUnderPr(scores, labels)).as("%d distinct scores", distinct)
          .isCloseTo(expected, within(1e-12));
    }
  }

  @Test
  void aFitNeedsBothClasses() {
    float[][] x = {{0.1f}, {0.2f}, {0.3f}};
    double[] y = {1, 1, 1};
    assertThatThrownBy(() -> new LocalLogistic(0.01, 50, 1e-6).fit(x, y, new int[] {0, 1, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("both classes");
  }
}
