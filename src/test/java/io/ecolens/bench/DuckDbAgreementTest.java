package io.ecolens.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.evaluate.AgreementMetrics;
import io.ecolens.testing.SparkTest;
import java.nio.file.Path;
import java.sql.Connection;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DuckDB's SQL gives ecolens's agreement figures on the benchmark's generated rows, read from the same Parquet. */
class DuckDbAgreementTest extends SparkTest {
  @TempDir Path dir;

  @Test
  void duckDbGivesTheFiguresOfAgreementMetrics() throws Exception {
    // 2,000 rows with scores of three decimals (many ties), plus the nulls ecolens handles: rows
    // without a human label (left out), without a score (in the counts, not in AP, sweep or bins),
    // and without a slice value (slice value "unknown")
    Dataset<Row> rows = EvaluateBench.generate(spark, 2000, EvaluateBench.CATEGORIES)
        .withColumn("human_label", when(col("id").mod(83).equalTo(0), lit(null)).otherwise(col("human_label")))
        .withColumn("model_score", when(col("id").mod(97).equalTo(0), lit(null)).otherwise(col("model_score")))
        .withColumn("format", when(col("id").mod(89).equalTo(0), lit(null)).otherwise(col("format")));
    String parquet = dir.resolve("rows").toString();
    rows.write().parquet(parquet);

    AgreementFigures ecolens = AgreementFigures.of(AgreementMetrics.compute(spark.read().parquet(parquet),
        EvaluateBench.CATEGORIES, EvaluateBench.OPTIONS, "t"));
    AgreementFigures duck;
    try (Connection db = DuckDbAgreement.open(2)) {
      duck = DuckDbAgreement.compute(db, parquet, EvaluateBench.CATEGORIES, EvaluateBench.OPTIONS.slices(),
          EvaluateBench.OPTIONS.sweepSteps(), EvaluateBench.OPTIONS.calibrationBins());
    }

    assertThat(ecolens.differences(duck, EvaluateBench.TOLERANCE)).isEmpty();
    // every kind of figure was compared: 10 categories x (1 + 4 formats + 1 unknown + 12 regions + 2 languages) slices
    assertThat(ecolens.counts().keySet().stream().filter(k -> k.startsWith("tp "))).hasSize(10 * 20);
    assertThat(ecolens.counts()).containsKey("tp hate_speech format=unknown");
    assertThat(ecolens.counts().keySet().stream().filter(k -> k.startsWith("sweep_tp "))).hasSize(10 * 21);
    assertThat(ecolens.values().keySet().stream().filter(k -> k.startsWith("average_precision "))).hasSize(10 * 20);
    assertThat(ecolens.values().keySet().stream().filter(k -> k.startsWith("bin_mean_score "))).isNotEmpty();
    assertThat(ecolens.values().keySet().stream().filter(k -> k.startsWith("brier "))).hasSize(10);
  }

  @Test
  void aDifferenceIsReported() {
    AgreementFigures a = new AgreementFigures();
    AgreementFigures b = new AgreementFigures();
    a.counts().put("tp c all=all", 3L);
    b.counts().put("tp c all=all", 4L);
    a.values().put("average_precision c all=all", 0.5);
    b.values().put("average_precision c all=all", 0.5 + 1e-8);
    b.values().put("roc_auc c all=all", 0.7);
    assertThat(a.differences(b, 1e-9)).containsExactly(
        "tp c all=all: 3 vs 4", "average_precision c all=all: 0.5 vs 0.50000001", "roc_auc c all=all: null vs 0.7");
  }
}
