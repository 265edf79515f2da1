package io.ecolens.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ecolens.config.EcolensConfig;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.spark.Seqs;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job end to end on 5,000 rows with a fixed seed. Tolerances on drawn shares are 4.5
 * standard deviations of the binomial at that size: the seed is fixed, so they cannot flake, and
 * they still catch a wrong rate.
 */
class CorpusGeneratorTest extends SparkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
  private static final long ROWS = 5_000;
  private static final double MALFORMED_SHARE = 0.01;
  private static final double LABEL_SHARE = 0.6;
  private static final List<Double> ERROR_RATES = List.of(0.10, 0.20, 0.30);
  private static final String CRITICAL = "self_harm";

  @TempDir static Path temp;
  private static EcolensConfig.GenerateSettings settings;
  private static CorpusGenerator.Result result;
  private static JsonNode manifest;

  @BeforeAll
  static void generate() throws IOException {
    settings = settings(temp.resolve("main"), ROWS);
    result = CorpusGenerator.execute(spark, settings, POLICY);
    manifest = JSON.readTree(temp.resolve("main/manifest.json").toFile());
  }

  private static EcolensConfig.GenerateSettings settings(Path output, long rows) {
    return new EcolensConfig.GenerateSettings(true, rows, 2024L, output.toString(), MALFORMED_SHARE, LABEL_SHARE, ERROR_RATES);
  }

  /** All lines of the part files of an output folder. */
  private static List<String> lines(String folder) {
    try (Stream<Path> files = Files.list(Path.of(folder))) {
      List<String> lines = new ArrayList<>();
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
        lines.addAll(Files.readAllLines(file));
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double tolerance(double p, long n) {
    return 4.5 * Math.sqrt(p * (1 - p) / n) + 1.0 / n;
  }

  // Tells what is wrong with a corpus line by looking at it, independently of the generator.
  private static String classify(String line, Set<String> seenIds) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (IOException e) {
      return "broken_json";
    }
    if (!node.has("content_id")) {
      return "missing_id";
    }
    if (!node.get("views").isIntegralNumber()) {
      return "wrong_types";
    }
    if (node.get("title").asText().isEmpty() && node.get("description").asText().isEmpty()
        && node.get("transcript").asText().isEmpty() && node.get("hashtags").isEmpty()) {
      return "empty_text";
    }
    if (node.get("transcript").asText().length() > 1_000_000) {
      return "huge_text";
    }
    try {
      Instant.parse(node.get("created_at").asText());
    } catch (RuntimeException e) {
      return "bad_timestamp";
    }
    return seenIds.add(node.get("content_id").asText()) ? "ok" : "duplicate_id";
  }

  @Test
  void writesRowsLinesOfWhichTheMalformedShareIsBrokenInEachKind() {
    List<String> corpus = lines(result.corpusPath());
    assertThat(corpus).hasSize((int) ROWS);
    Set<String> seen = new HashSet<>();
    Map<String, Long> kinds = corpus.stream().map(l -> classify(l, seen))
        .collect(Collectors.groupingBy(k -> k, TreeMap::new, Collectors.counting()));
    long malformed = ROWS - kinds.get("ok");

    assertThat(malformed).isEqualTo(Math.round(ROWS * MALFORMED_SHARE)).isEqualTo(result.malformedRows());
    assertThat(result.rows()).isEqualTo(ROWS);
    assertThat(manifest.get("malformed_rows").asLong()).isEqualTo(malformed);
    for (MalformedKind kind : MalformedKind.values()) {
      assertThat(kinds.get(kind.id())).as(kind.id()).isBetween(7L, 8L).isEqualTo(manifest.get("malformed").get(kind.id()).asLong());
    }
  }

  @Test
  void violationPrevalencePerCategoryIsCloseToTheTable() {
    Dataset<Row> truth = spark.read().json(result.truthPath());
    long items = ROWS - result.malformedRows();
    assertThat(truth.count()).isEqualTo(items * POLICY.categories().size());
    assertThat(manifest.get("well_formed_items").asLong()).isEqualTo(items);
    Map<String, Long> violating = truth.where("violates").groupBy("category").count().collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    PhraseBank bank = PhraseBank.defaults();
    for (Policy.Category category : POLICY.categories()) {
      double p = bank.category(category.id()).prevalence();
      long count = violating.getOrDefault(category.id(), 0L);
      assertThat(count / (double) items).as(category.id()).isCloseTo(p, offset(tolerance(p, items)));
      assertThat(manifest.get("violating").get(category.id()).asLong()).as(category.id()).isEqualTo(count);
      assertThat(manifest.get("prevalence").get(category.id()).asDouble()).isEqualTo(p);
    }
  }

  @Test
  void violatingItemsInTheCorpusCarryAPhraseOfTheirCategory() {
    SyntheticItems items = SyntheticItems.of(settings, POLICY, PhraseBank.defaults());
    Map<String, String> textById = new TreeMap<>();
    for (String line : lines(result.corpusPath())) {
      if (classify(line, new HashSet<>()).equals("ok")) {
        JsonNode node = readTree(line);
        textById.put(node.get("content_id").asText(),
            node.get("title").asText() + "\n" + node.get("description").asText() + "\n" + node.get("transcript").asText());
      }
    }
    List<Row> violating = spark.read().json(result.truthPath()).where("violates").collectAsList();
    assertThat(violating).hasSizeGreaterThan(500);
    for (Row row : violating) {
      String text = textById.get(row.<String>getAs("content_id"));
      assertThat(items.phrases(row.getAs("category"))).as(row.toString()).anyMatch(text::contains);
    }
  }

  private static JsonNode readTree(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void labelsCoverTheLabelShareOfWellFormedItemsAndEveryCategoryAndAnnotator() {
    Dataset<Row> labels = spark.read().json(result.labelsPath());
    assertThat(labels.columns()).containsExactlyInAnyOrder(
        "content_id", "category", "label", "annotator_id", "labeled_at", "policy_version");
    long items = ROWS - result.malformedRows();
    long labeled = labels.select("content_id").distinct().count();
    assertThat(labeled / (double) items).isCloseTo(LABEL_SHARE, offset(tolerance(LABEL_SHARE, items)));
    assertThat(labels.count()).isEqualTo(labeled * POLICY.categories().size() * ERROR_RATES.size()).isEqualTo(result.labelRows());
    assertThat(manifest.get("label_rows").asLong()).isEqualTo(result.labelRows());
    assertThat(labels.select("policy_version").distinct().collectAsList()).extracting(r -> r.getString(0)).containsExactly(POLICY.version());
    Dataset<Row> truthIds = spark.read().json(result.truthPath()).select("content_id").distinct();
    assertThat(labels.select("content_id").distinct().except(truthIds).count()).as("labels of items without truth").isZero();
  }

  @Test
  void annotatorsMissViolationsAndFlagCleanItemsAtTheirRates() {
    Dataset<Row> labels = spark.read().json(result.labelsPath());
    Dataset<Row> truth = spark.read().json(result.truthPath());
    List<Row> cells = labels.join(truth, Seqs.of("content_id", "category"))
        .groupBy("annotator_id", "category", "violates")
        .agg(functions.count("*"), functions.sum(functions.expr("cast(label <> violates as int)")))
        .collectAsList();
    AnnotatorErrors errors = SyntheticItems.of(settings, POLICY, PhraseBank.defaults()).annotatorErrors();
    List<String> categories = POLICY.categories().stream().map(Policy.Category::id).toList();
    for (int a = 0; a < ERROR_RATES.size(); a++) {
      // per annotator: [pairs, wrong, expected wrong] for violating (0) and clean (1) pairs
      double[][] sums = new double[2][3];
      for (Row r : cells) {
        if (r.getString(0).equals("annotator_" + (a + 1))) {
          int c = categories.indexOf(r.getString(1));
          boolean violates = r.getBoolean(2);
          double[] s = sums[violates ? 0 : 1];
          s[0] += r.getLong(3);
          s[1] += r.getLong(4);
          s[2] += r.getLong(3) * (violates ? errors.miss(a, c) : errors.falseFlag(a, c));
        }
      }
      for (int kind = 0; kind < 2; kind++) {
        double expected = sums[kind][2] / sums[kind][0];
        assertThat(sums[kind][1] / sums[kind][0]).as("annotator_" + (a + 1) + (kind == 0 ? " misses" : " false flags"))
            .isCloseTo(expected, offset(tolerance(expected, (long) sums[kind][0])));
      }
      // people miss far more violations than they flag clean items: false flags are about a tenth of the misses
      assertThat(sums[1][1]).isLessThan(0.2 * sums[0][1]);
    }
    // spam (low severity) is harder to label than a medium category, a critical harm easier
    assertThat(errors.miss(0, categories.indexOf("spam_scam"))).isCloseTo(0.15, offset(1e-12));
    assertThat(errors.miss(2, categories.indexOf("spam_scam"))).isCloseTo(0.45, offset(1e-12));
    assertThat(errors.miss(1, categories.indexOf(CRITICAL))).isCloseTo(0.10, offset(1e-12));
    double p = PhraseBank.defaults().category("spam_scam").prevalence();
    assertThat(errors.falseFlag(2, categories.indexOf("spam_scam"))).isCloseTo(0.45 * 0.1 * p / (1 - p), offset(1e-12));
  }

  @Test
  void sameSeedGivesIdenticalOutputWhateverThePartitioningAndRerunsOverwrite() throws IOException {
    Path again = temp.resolve("again");
    CorpusGenerator.Result other = CorpusGenerator.execute(spark, settings(again, ROWS), POLICY, 3);
    assertThat(Files.list(Path.of(other.corpusPath())).filter(f -> f.getFileName().toString().startsWith("part-"))).hasSize(3);
    assertThat(sorted(lines(other.corpusPath()))).isEqualTo(sorted(lines(result.corpusPath())));
    assertThat(sorted(lines(other.truthPath()))).isEqualTo(sorted(lines(result.truthPath())));
    assertThat(sorted(lines(other.labelsPath()))).isEqualTo(sorted(lines(result.labelsPath())));
    assertThat(JSON.readTree(again.resolve("manifest.json").toFile())).isEqualTo(manifest);

    // the same settings and partitioning give the same files, line for line
    CorpusGenerator.Result third = CorpusGenerator.execute(spark, settings(again, ROWS), POLICY);
    assertThat(lines(third.corpusPath())).isEqualTo(lines(result.corpusPath()));

    CorpusGenerator.Result smaller = CorpusGenerator.execute(spark, settings(again, 300), POLICY);
    assertThat(lines(smaller.corpusPath())).hasSize(300);
    assertThat(JSON.readTree(again.resolve("manifest.json").toFile()).get("rows").asLong()).isEqualTo(300);
  }

  private static List<String> sorted(List<String> lines) {
    return lines.stream().sorted().toList();
  }

  @Test
  void aCustomTwoCategoryPolicyNeedsNoCodeChange() throws IOException {
    Policy custom = TestPolicies.twoCategories();
    Path output = temp.resolve("custom");
    CorpusGenerator.Result custom2k = CorpusGenerator.execute(
        spark, new EcolensConfig.GenerateSettings(true, 2_000L, 5L, output.toString(), 0.0, 1.0, List.of(0.05)), custom);
    Dataset<Row> truth = spark.read().json(custom2k.truthPath());
    assertThat(truth.count()).isEqualTo(4_000);
    Map<String, Long> violating = truth.where("violates").groupBy("category").count().collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
    assertThat(violating).containsOnlyKeys("crypto_shilling", "spoilers");
    double p = SyntheticItems.UNKNOWN_CATEGORY_PREVALENCE;
    violating.values().forEach(n -> assertThat(n / 2_000.0).isCloseTo(p, offset(tolerance(p, 2_000))));
    Dataset<Row> labels = spark.read().json(custom2k.labelsPath());
    assertThat(labels.count()).isEqualTo(2_000L * 2);
    assertThat(labels.select("policy_version").distinct().collectAsList()).extracting(r -> r.getString(0)).containsExactly("7");
    JsonNode customManifest = JSON.readTree(output.resolve("manifest.json").toFile());
    assertThat(customManifest.get("policy_id").asText()).isEqualTo("custom");
    assertThat(customManifest.get("malformed_rows").asLong()).isZero();
  }
}
