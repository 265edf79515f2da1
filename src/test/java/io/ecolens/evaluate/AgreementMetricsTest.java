package io.ecolens.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.run.MetricRows;
import io.ecolens.testing.SparkTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Spark path of the agreement figures against hand-computed values on small fixtures. */
class AgreementMetricsTest extends SparkTest {
  private static final StructType SCHEMA = new StructType()
      .add("content_id", DataTypes.StringType).add("category", DataTypes.StringType)
      .add("model_label", DataTypes.BooleanType).add("model_score", DataTypes.DoubleType)
      .add("human_label", DataTypes.BooleanType).add("format", DataTypes.StringType);
  private static Map<String, MetricRows> sections;

  private static Row row(String id, String category, double score, boolean human, String format) {
    return RowFactory.create(id, category, score >= 0.5, score, human, format);
  }

  /**
   * Category "spam": scikit-learn's example, y_true = [0,0,1,1], scores = [.1,.4,.35,.8] (AP 5/6,
   * AUC .75); labels at .5: tp 1 (.8), fn 1 (.35), tn 2 -> precision 1, recall .5. All four are
   * video. Category "hate": one photo item, negative, scored .2 (no positives: AP 0, no AUC; the
   * photo slice has 1 item, under the minimum of 2, so it is flagged). Category "nudity" has no
   * labelled item at all (the empty slice): no figures (none written rather than zeros).
   */
  @BeforeAll
  static void compute() {
    List<Row> rows = new ArrayList<>(List.of(
        row("a", "spam", 0.1, false, "video"), row("b", "spam", 0.4, false, "video"),
        row("c", "spam", 0.35, true, "video"), row("d", "spam", 0.8, true, "video"),
        row("e", "hate", 0.2, false, "photo")));
    rows.add(RowFactory.create("f", "hate", true, 0.9, null, "photo")); // tie: no adjudicated label, left out
    Dataset<Row> evaluations = spark.createDataFrame(rows, SCHEMA);
    sections = AgreementMetrics.compute(evaluations, List.of("spam", "hate", "nudity"),
        new AgreementMetrics.Options(List.of("format"), 2, 4, 10), "t");
  }

  private static Row find(String section, String metric, String category, String key, String value) {
    return sections.get(section).rows().stream()
        .filter(r -> r.getString(2).equals(metric) && r.getString(3).equals(category)
            && r.getString(4).equals(key) && r.getString(5).equals(value))
        .findFirst().orElse(null);
  }

  @Test
  void wholeRunFiguresMatchTheHandValues() {
    assertThat(find("agreement", "average_precision", "spam", "all", "all").getDouble(6)).isCloseTo(5.0 / 6, within(1e-12));
    assertThat(find("agreement", "roc_auc", "spam", "all", "all").getDouble(6)).isCloseTo(0.75, within(1e-12));
    assertThat(find("agreement", "precision", "spam", "all", "all").getDouble(6)).isEqualTo(1.0);
    assertThat(find("agreement", "recall", "spam", "all", "all").getDouble(6)).isEqualTo(0.5);
    // kappa: tp 1, fp 0, fn 1, tn 2: p_o = .75, p_e = (1·2 + 3·2)/16 = .5 -> .5
    assertThat(find("agreement", "kappa", "spam", "all", "all").getDouble(6)).isCloseTo(0.5, within(1e-12));
    // micro over spam + hate: tp 1, fp 0, fn 1, tn 3 -> recall .5, accuracy 4/5
    assertThat(find("agreement", "accuracy", "micro", "all", "all").getDouble(6)).isCloseTo(0.8, within(1e-12));
  }

  @Test
  void noPositivesOneClassAndEmptyCategory() {
    assertThat(find("agreement", "average_precision", "hate", "all", "all").getDouble(6)).isZero();
    assertThat(find("agreement", "roc_auc", "hate", "all", "all")).isNull();
    assertThat(find("agreement", "kappa", "hate", "all", "all")).isNull(); // one class: undefined
    // a category without labelled pairs has no figure at all, not a 0 (no figure from no data)
    assertThat(find("agreement", "f1", "nudity", "all", "all")).isNull();
    assertThat(find("agreement", "tp", "nudity", "all", "all")).isNull();
    assertThat(find("agreement", "roc_auc", "nudity", "all", "all")).isNull();
    assertThat(find("agreement", "f1", "hate", "all", "all")).isNotNull();
  }

  @Test
  void slicesCarryTheirFiguresAndALowNWarning() {
    assertThat(find("agreement_slices", "average_precision", "spam", "format", "video").getDouble(6))
        .isCloseTo(5.0 / 6, within(1e-12));
    assertThat(find("agreement_slices", "low_n_warning", "hate", "format", "photo").getLong(9)).isEqualTo(1);
    assertThat(find("agreement_slices", "low_n_warning", "spam", "format", "video")).isNull();
  }

  /**
   * Sweep at t = 0, .25, .5, .75, 1 for spam (scores .1,.4,.35,.8; positives .35,.8): t=.25: tp 2,
   * fp 1 -> precision 2/3, recall 1; t=.5: tp 1 fp 0; t=1: nothing predicted -> precision 1, recall 0.
   * Calibration, 10 bins: {.1}:|0−.1|, {.35}:|1−.35|, {.4}:|0−.4|, {.8}:|1−.8| -> ECE = (.1+.65+.4+.2)/4 = .3375.
   */
  @Test
  void thresholdSweepAndCalibration() {
    assertThat(find("agreement_curves", "precision", "spam", "threshold", "0.2500").getDouble(6)).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(find("agreement_curves", "recall", "spam", "threshold", "0.2500").getDouble(6)).isEqualTo(1.0);
    assertThat(find("agreement_curves", "precision", "spam", "threshold", "0.5000").getDouble(6)).isEqualTo(1.0);
    assertThat(find("agreement_curves", "recall", "spam", "threshold", "1.0000").getDouble(6)).isZero();
    assertThat(find("agreement_curves", "ece", "spam", "all", "all").getDouble(6)).isCloseTo(0.3375, within(1e-12));
    // Brier: (.01 + .4225 + .16 + .04)/4 = .158125
    assertThat(find("agreement_curves", "brier", "spam", "all", "all").getDouble(6)).isCloseTo(0.158125, within(1e-12));
  }
}
