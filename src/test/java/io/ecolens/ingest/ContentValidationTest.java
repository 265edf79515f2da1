package io.ecolens.ingest;

import io.ecolens.config.DataFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.EcolensException;
import io.ecolens.config.EcolensConfig.SourceSettings;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentValidationTest extends SparkTest {
  @TempDir Path dir;

  /** One line per case; the id says what is special about it. */
  private static final List<String> LINES = List.of(
      "{\"content_id\":\"good\",\"creator_id\":\"u1\",\"format\":\"VIDEO\",\"language\":\"EN\",\"region\":\"us\","
          + "\"created_at\":\"2026-05-01T10:00:00Z\",\"title\":\"  Hello\\u0000   world \",\"hashtags\":[\"#Cooking\",\"Food\"],"
          + "\"views\":120,\"likes\":\"7\"}",
      "{\"content_id\":\"epoch\",\"title\":\"t\",\"created_at\":\"1746093600\",\"hashtags\":\"#a, b|c\"}",
      "{\"content_id\":\"broken\",\"title\":\"unterminated",
      "{\"title\":\"no id here\"}",
      "{\"content_id\":\"types\",\"title\":\"x\",\"views\":\"lots\",\"shares\":-3}",
      "{\"content_id\":\"empty\",\"title\":\"\",\"description\":\"   \",\"hashtags\":[]}",
      "{\"content_id\":\"when\",\"title\":\"x\",\"created_at\":\"31/02/2026 25:61\"}",
      "{\"content_id\":\"long\",\"transcript\":\"" + "a".repeat(200) + "\"}",
      "{\"content_id\":\"tags\",\"title\":\"x\",\"hashtags\":\"[not json\"}");

  private Map<String, Row> validated() throws IOException {
    Path corpus = dir.resolve("corpus.jsonl");
    Files.write(corpus, LINES);
    Dataset<Row> raw = SourceReader.read(spark, new SourceSettings(corpus.toString(), DataFormat.JSON, null, null),
        "input.corpus", ContentValidation.COLUMNS, Set.of("content_id"));
    Map<String, Row> byId = new HashMap<>();
    for (Row r : ContentValidation.validate(raw, 100).collectAsList()) {
      String raw0 = r.getAs(SourceReader.RAW);
      String id = r.getAs("content_id");
      byId.put(id != null ? id : raw0.contains("unterminated") ? "broken" : "no-id", r);
    }
    return byId;
  }

  private static List<String> reasons(Row r) {
    return r.getList(r.fieldIndex("reasons"));
  }

  @Test
  void goodRecordIsNormalisedAndAccepted() throws IOException {
    Row good = validated().get("good");
    assertThat(reasons(good)).isEmpty();
    assertThat((String) good.getAs("title")).isEqualTo("Hello world");
    assertThat((String) good.getAs("format")).isEqualTo("video");
    assertThat((String) good.getAs("language")).isEqualTo("en");
    assertThat((String) good.getAs("region")).isEqualTo("US");
    assertThat(good.<Long>getAs("views")).isEqualTo(120L);
    assertThat(good.<Long>getAs("likes")).isEqualTo(7L);
    assertThat(good.getList(good.fieldIndex("hashtags"))).containsExactly("cooking", "food");
    assertThat((String) good.getAs("content_hash")).hasSize(64);
  }

  @Test
  void epochSecondsAndSeparatedHashtagsAreAccepted() throws IOException {
    Row r = validated().get("epoch");
    assertThat(reasons(r)).isEmpty();
    assertThat(r.getTimestamp(r.fieldIndex("created_at")).toInstant().toString()).isEqualTo("2025-05-01T10:00:00Z");
    assertThat(r.getList(r.fieldIndex("hashtags"))).containsExactly("a", "b", "c");
  }

  @Test
  void everyBadRecordGetsItsReasons() throws IOException {
    assertEveryBadRecordHasItsReasons(validated());
  }

  /**
   * Spark 4 turns ANSI SQL on by default: a cast of 'lots' to a number or of '31/02/2026 25:61'
   * to a timestamp would then fail the query instead of giving null. Validation parses with
   * try_cast, so the same records get the same reasons on either setting, on either Spark line.
   */
  @Test
  void ansiSqlModeQuarantinesTheSameRecordsForTheSameReasons() throws IOException {
    String before = spark.conf().get("spark.sql.ansi.enabled");
    spark.conf().set("spark.sql.ansi.enabled", "true");
    try {
      Map<String, Row> v = validated();
      assertEveryBadRecordHasItsReasons(v);
      assertThat(reasons(v.get("good"))).isEmpty();
      assertThat(reasons(v.get("epoch"))).isEmpty();
    } finally {
      spark.conf().set("spark.sql.ansi.enabled", before);
    }
  }

  private static void assertEveryBadRecordHasItsReasons(Map<String, Row> v) {
    assertThat(reasons(v.get("broken"))).anyMatch(s -> s.startsWith("malformed record"));
    assertThat(reasons(v.get("no-id"))).contains("content_id is missing");
    assertThat(reasons(v.get("types"))).containsExactlyInAnyOrder(
        "views is not a whole number: 'lots'", "shares is negative: -3");
    assertThat(reasons(v.get("empty"))).containsExactly(
        "no text: title, description, transcript and hashtags are all empty");
    assertThat(reasons(v.get("when"))).containsExactly("created_at is not a timestamp: '31/02/2026 25:61'");
    assertThat(reasons(v.get("long"))).containsExactly(
        "text too long: 200 characters (limit ingest.max-text-chars = 100)");
    assertThat(reasons(v.get("tags"))).containsExactly("hashtags is not a list of strings");
  }

  @Test
  void hashIgnoresCaseAndWhitespaceOnly() {
    assertThat(ContentValidation.normaliseText(" A\tb \u00a0 c\n")).isEqualTo("A b c");
    assertThat(ContentValidation.normaliseText(null)).isNull();
    assertThat(ContentValidation.normaliseText("\uff21")).isEqualTo("A"); // NFKC folds full-width letters
  }

  @Test
  void columnMappingReadsRenamedAndNestedFields() throws IOException {
    Path corpus = dir.resolve("mapped.jsonl");
    Files.write(corpus, List.of("{\"video_id\":\"v1\",\"caption\":\"hi\",\"stats\":{\"plays\":42}}"));
    Dataset<Row> raw = SourceReader.read(spark, new SourceSettings(corpus.toString(), DataFormat.JSON, null,
            Map.of("content_id", "video_id", "title", "caption", "views", "stats.plays")),
        "input.corpus", ContentValidation.COLUMNS, Set.of("content_id"));
    Row r = ContentValidation.validate(raw, 100).first();
    assertThat(reasons(r)).isEmpty();
    assertThat((String) r.getAs("content_id")).isEqualTo("v1");
    assertThat((String) r.getAs("title")).isEqualTo("hi");
    assertThat(r.<Long>getAs("views")).isEqualTo(42L);
  }

  @Test
  void parquetWithoutTheMappedIdColumnFailsNamingIt() {
    Path parquet = dir.resolve("p");
    spark.range(3).selectExpr("cast(id as string) as vid").write().parquet(parquet.toString());
    assertThatThrownBy(() -> SourceReader.read(spark, new SourceSettings(parquet.toString(), DataFormat.PARQUET, null, null),
        "input.corpus", ContentValidation.COLUMNS, Set.of("content_id")))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("content_id (source column 'content_id')")
        .hasMessageContaining("input.corpus.columns");
  }

  @Test
  void unknownMappedColumnIsAConfigError() {
    assertThatThrownBy(() -> SourceReader.read(spark, new SourceSettings("x", DataFormat.JSON, null, Map.of("likez", "l")),
        "input.corpus", ContentValidation.COLUMNS, Set.of("content_id")))
        .hasMessageContaining("input.corpus.columns.likez")
        .hasMessageContaining("not an ecolens column");
  }
}
