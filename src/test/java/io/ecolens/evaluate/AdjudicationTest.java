package io.ecolens.evaluate;

import io.ecolens.config.AdjudicationMethod;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.testing.SparkTest;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class AdjudicationTest extends SparkTest {
  private static final StructType SCHEMA = new StructType()
      .add("content_id", DataTypes.StringType).add("category", DataTypes.StringType)
      .add("annotator_id", DataTypes.StringType).add("label", DataTypes.BooleanType);

  private static Dataset<Row> labels(List<Row> rows) {
    return spark.createDataFrame(rows, SCHEMA);
  }

  @Test
  void majorityAndUnanimity() {
    Dataset<Row> l = labels(List.of(
        RowFactory.create("a", "c", "x", true), RowFactory.create("a", "c", "y", true), RowFactory.create("a", "c", "z", false),
        RowFactory.create("b", "c", "x", true), RowFactory.create("b", "c", "y", false)));
    List<Row> majority = Adjudication.adjudicate(l, AdjudicationMethod.MAJORITY, 1).orderBy("content_id").collectAsList();
    assertThat((Boolean) majority.get(0).getAs("human_label")).isTrue();
    assertThat((Object) majority.get(1).getAs("human_label")).isNull(); // 1 of 2: a tie
    List<Row> unanimity = Adjudication.adjudicate(l, AdjudicationMethod.UNANIMITY, 1).orderBy("content_id").collectAsList();
    assertThat((Object) unanimity.get(0).getAs("human_label")).isNull(); // 2 of 3 is not unanimous
  }

  /**
   * Annotator "good" is right 97% of the time; "noisy1" and "noisy2" 70%, independently. The
   * majority is wrong whenever both noisy annotators are (about 9% of items); Dawid–Skene learns
   * that "good" is the more reliable (log-odds 3.5 against 0.85 each) and follows it.
   */
  @Test
  void dawidSkeneOutvotesTwoNoisyAnnotators() {
    List<Row> rows = new ArrayList<>();
    java.util.Random random = new java.util.Random(11);
    boolean[] truth = new boolean[300];
    for (int i = 0; i < truth.length; i++) {
      truth[i] = random.nextDouble() < 0.4;
      rows.add(RowFactory.create("i" + i, "c", "good", random.nextDouble() < 0.97 ? truth[i] : !truth[i]));
      rows.add(RowFactory.create("i" + i, "c", "noisy1", random.nextDouble() < 0.7 ? truth[i] : !truth[i]));
      rows.add(RowFactory.create("i" + i, "c", "noisy2", random.nextDouble() < 0.7 ? truth[i] : !truth[i]));
    }
    Dataset<Row> l = labels(rows);
    int majorityRight = 0;
    int emRight = 0;
    for (Row r : Adjudication.adjudicate(l, AdjudicationMethod.MAJORITY, 1).collectAsList()) {
      majorityRight += Boolean.valueOf(truth[Integer.parseInt(r.<String>getAs("content_id").substring(1))])
          .equals(r.getAs("human_label")) ? 1 : 0;
    }
    for (Row r : Adjudication.adjudicate(l, AdjudicationMethod.DAWID_SKENE, 10).collectAsList()) {
      emRight += Boolean.valueOf(truth[Integer.parseInt(r.<String>getAs("content_id").substring(1))])
          .equals(r.getAs("human_label")) ? 1 : 0;
    }
    System.out.println("Dawid-Skene test: majority right " + majorityRight + ", EM right " + emRight + " of 300");
    assertThat(majorityRight).isLessThan(285);
    assertThat(emRight).isGreaterThanOrEqualTo(285).isGreaterThan(majorityRight + 10);
  }
}
