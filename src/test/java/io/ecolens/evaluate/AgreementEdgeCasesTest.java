package io.ecolens.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.run.MetricRows;
import io.ecolens.testing.SparkTest;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The degenerate cases through the Spark path, each against what scikit-learn returns for the same
 * labels (precision_score, recall_score, f1_score with zero_division=0, cohen_kappa_score,
 * average_precision_score, roc_auc_score).
 */
class AgreementEdgeCasesTest extends SparkTest {
  private static final StructType SCHEMA = new StructType()
      .add("content_id", DataTypes.StringType).add("category", DataTypes.StringType)
      .add("model_label", DataTypes.BooleanType).add("model_score", DataTypes.DoubleType)
      .add("human_label", DataTypes.BooleanType).add("format", DataTypes.StringType);
  private static Map<String, MetricRows> sections;

  private static Row row(String id, String category, double score, Boolean human, String format) {
    return RowFactory.create(id, category, score >= 0.5, score, human, format);
  }

  /**
   * <ul>
   *   <li>{@code allpos}: every item violates and the model flags every one (.6, .7, .9): one class
   *       in both labelings.
   *   <li>{@code posmiss}: every item violates, the model flags one of two (.8, .2).
   *   <li>{@code nopos}: nothing violates, the model flags one of two (.7, .1).
   *   <li>{@code edge}: scores exactly on bin edges (.3 violating, .6 not).
   *   <li>format {@code live}: its only item has tied annotators (no adjudicated label): an empty slice.
   * </ul>
   */
  @BeforeAll
  static void compute() {
    Dataset<Row> evaluations = spark.createDataFrame(List.of(
        row("a", "allpos", 0.6, true, "video"), row("b", "allpos", 0.7, true, "video"),
        row("c", "allpos", 0.9, true, "video"),
        row("d", "posmiss", 0.8, true, "video"), row("e", "posmiss", 0.2, true, "video"),
        row("f", "nopos", 0.7, false, "video"), row("g", "nopos", 0.1, false, "video"),
        row("h", "edge", 0.3, true, "video"), row("i", "edge", 0.6, false, "video"),
        row("j", "nopos", 0.9, null, "live")), SCHEMA);
    sections = AgreementMetrics.compute(evaluations, List.of("allpos", "posmiss", "nopos", "edge"),
        new AgreementMetrics.Options(List.of("format"), 2, 4, 10), "t");
  }

  private static Row find(String section, String metric, String category, String key, String value) {
    return sections.get(section).rows().stream()
        .filter(r -> r.getString(2).equals(metric) && r.getString(3).equals(category)
            && r.getString(4).equals(key) && r.getString(5).equals(value))
        .findFirst().orElse(null);
  }

  private static double whole(String metric, String category) {
    Row r = find("agreement", metric, category, "all", "all");
    assertThat(r).as("%s %s", metric, category).isNotNull();
    return r.getDouble(6);
  }

  /**
   * y_true = y_pred = [1, 1, 1]: precision, recall, F1 = 1; specificity (recall of the negative
   * class) and FPR divide by zero: 0; cohen_kappa_score is nan (p_e = 1) and roc_auc_score raises
   * (one class): neither row is written; average_precision_score = 1, with no logit interval.
   */
  @Test
  void allPositivesFlaggedAll() {
    assertThat(whole("precision", "allpos")).isEqualTo(1.0);
    assertThat(whole("recall", "allpos")).isEqualTo(1.0);
    assertThat(whole("f1", "allpos")).isEqualTo(1.0);
    assertThat(whole("specificity", "allpos")).isZero();
    assertThat(whole("fpr", "allpos")).isZero();
    assertThat(whole("average_precision", "allpos")).isEqualTo(1.0);
    Row ap = find("agreement", "average_precision", "allpos", "all", "all");
    assertThat(ap.isNullAt(7)).isTrue();
    assertThat(find("agreement", "kappa", "allpos", "all", "all")).isNull();
    assertThat(find("agreement", "roc_auc", "allpos", "all", "all")).isNull();
  }

  /**
   * y_true = [1, 1], y_pred = [1, 0]: precision 1, recall .5, F1 2/3; cohen_kappa_score = 0
   * (p_o = .5, p_e = (1·2 + 1·0)/4 = .5), so the row is written with 0.
   */
  @Test
  void allPositivesHalfFlagged() {
    assertThat(whole("precision", "posmiss")).isEqualTo(1.0);
    assertThat(whole("recall", "posmiss")).isEqualTo(0.5);
    assertThat(whole("f1", "posmiss")).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(whole("kappa", "posmiss")).isCloseTo(0.0, within(1e-12));
  }

  /**
   * y_true = [0, 0], y_pred = [1, 0]: precision 0 (0 of 1), recall 0 (zero division), F1 0;
   * cohen_kappa_score = 0 (p_o = .5, p_e = (1·0 + 1·2)/4 = .5); average_precision_score 0 (no
   * positives: recall is 1 at every threshold, so every step is 0); no ROC AUC. Its one tied
   * item (format live) leaves that slice empty: no row for it at all.
   */
  @Test
  void noPositivesAndAnEmptySlice() {
    assertThat(whole("precision", "nopos")).isZero();
    assertThat(whole("recall", "nopos")).isZero();
    assertThat(whole("f1", "nopos")).isZero();
    assertThat(whole("kappa", "nopos")).isCloseTo(0.0, within(1e-12));
    assertThat(whole("average_precision", "nopos")).isZero();
    assertThat(whole("specificity", "nopos")).isEqualTo(0.5);
    assertThat(find("agreement", "roc_auc", "nopos", "all", "all")).isNull();
    assertThat(sections.get("agreement_slices").rows()).noneMatch(r -> r.getString(5).equals("live"));
    // the sweep of a category without positives: recall 0 at every threshold, precision 1 where nothing is flagged
    assertThat(find("agreement_curves", "recall", "nopos", "threshold", "0.5000").getDouble(6)).isZero();
    assertThat(find("agreement_curves", "precision", "nopos", "threshold", "1.0000").getDouble(6)).isEqualTo(1.0);
  }

  /**
   * A score on a bin edge goes to the bin it opens: .3 to [.3, .4) and .6 to [.6, .7) (exact edges
   * b/B). scikit-learn's calibration_curve builds its edges with linspace, whose 0.30000000000000004
   * puts a score of exactly .3 one bin lower; the ECE here follows the mathematical edges:
   * bins {.3}: |1 − .3| and {.6}: |0 − .6| -> ECE = (.7 + .6)/2 = .65.
   */
  @Test
  void scoresOnBinEdgesGoToTheUpperBin() {
    assertThat(find("agreement_curves", "reliability_observed", "edge", "score_bin", "0.30-0.40").getDouble(6))
        .isEqualTo(1.0);
    assertThat(find("agreement_curves", "reliability_observed", "edge", "score_bin", "0.60-0.70").getDouble(6))
        .isZero();
    assertThat(find("agreement_curves", "ece", "edge", "all", "all").getDouble(6)).isCloseTo(0.65, within(1e-12));
  }

  /**
   * No figure from no data: a policy category none of whose items has a usable model score and a
   * human label gets no agreement rows (not precision, recall and F1 of 0), the macro average is
   * over the categories with data, and a run with no labelled pair at all writes no agreement rows.
   */
  @Test
  void aCategoryWithoutLabelledPairsGetsNoRowsInsteadOfZeros() {
    Dataset<Row> evaluations = spark.createDataFrame(List.of(
        row("a", "seen", 0.9, true, "video"), row("b", "seen", 0.2, false, "video"),
        RowFactory.create("c", "unscored", null, null, true, "video")), SCHEMA);
    Map<String, MetricRows> some = AgreementMetrics.compute(evaluations, List.of("seen", "unscored"),
        new AgreementMetrics.Options(List.of(), 2, 4, 10), "t");
    List<Row> whole = some.get(AgreementMetrics.WHOLE).rows();
    assertThat(whole).noneMatch(r -> r.getString(3).equals("unscored"));
    assertThat(whole).anyMatch(r -> r.getString(2).equals("f1") && r.getString(3).equals("seen")
        && r.getDouble(6) == 1.0);
    assertThat(whole).anyMatch(r -> r.getString(2).equals("f1") && r.getString(3).equals("macro")
        && r.getDouble(6) == 1.0);

    Dataset<Row> unscored = spark.createDataFrame(List.of(
        RowFactory.create("a", "seen", null, null, true, "video"),
        RowFactory.create("b", "unscored", null, null, false, "video")), SCHEMA);
    Map<String, MetricRows> none = AgreementMetrics.compute(unscored, List.of("seen", "unscored"),
        new AgreementMetrics.Options(List.of("format"), 2, 4, 10), "t");
    none.values().forEach(section -> assertThat(section.rows()).isEmpty());
  }
}
