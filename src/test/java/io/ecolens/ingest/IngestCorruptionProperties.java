package io.ecolens.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageRunner;
import io.ecolens.tables.Table;
import io.ecolens.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tag;
import org.apache.spark.sql.SparkSession;

/**
 * Ingest of generated records with random corruptions (wrong types, deep nesting, huge texts and
 * numbers, control characters, invalid UTF-8, UTF-16 lines, truncation, garbage, repeated and
 * missing ids) never fails the stage, and every line read is accounted for: read = accepted +
 * quarantined + duplicates, with exactly the accepted rows in content and the quarantined ones in
 * content_quarantine. A try is a whole ingest of one file, so the tries are few and shrinking is
 * bounded; a failure prints the seed that reproduces it.
 */
@Tag("slow")
class IngestCorruptionProperties {
  private static final AtomicInteger TRIES = new AtomicInteger();

  @Property(tries = 8, shrinking = ShrinkingMode.OFF)
  void everyLineIsAcceptedQuarantinedOrADuplicateAndTheStageNeverFails(@ForAll("files") List<byte[]> lines)
      throws IOException {
    SparkSession spark = TestSpark.session();
    Path dir = Files.createTempDirectory("ecolens-ingest-props");
    try {
      Path corpus = Files.createDirectories(dir.resolve("corpus"));
      ByteArrayOutputStream file = new ByteArrayOutputStream();
      for (byte[] line : lines) {
        file.writeBytes(line);
        file.write('\n');
      }
      Files.write(corpus.resolve("part-0.jsonl"), file.toByteArray());
      String runId = "props-" + TRIES.incrementAndGet();
      RunContext ctx = new RunContext(spark, ConfigLoader.load(Path.of("conf/local.yaml"), List.of(
          "catalog.database=ingest_props", "generate.enabled=false", "input.corpus.path=" + corpus,
          "input.labels=", "report.output=" + dir.resolve("reports"))), runId);
      IngestStage.Result result = new StageRunner(ctx).run(new IngestStage()).result();

      Map<String, Long> counts = result.counts();
      assertThat(counts.get("read")).as("lines read").isEqualTo(lines.size());
      assertThat(counts.get("accepted") + counts.get("quarantined") + counts.get("duplicates"))
          .as(result.summary()).isEqualTo(counts.get("read"));
      assertThat(ctx.store().readRun(Table.CONTENT, runId).count()).isEqualTo(counts.get("accepted"));
      assertThat(ctx.store().readRun(Table.CONTENT_QUARANTINE, runId).count()).isEqualTo(counts.get("quarantined"));
    } finally {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Provide
  Arbitrary<List<byte[]>> files() {
    return line().list().ofMinSize(20).ofMaxSize(120);
  }

  /** One line: a well-formed record, then none or one of the corruptions; never a line break inside. */
  private Arbitrary<byte[]> line() {
    Arbitrary<String> id = Arbitraries.integers().between(1, 30).map(i -> "c" + i); // few ids: repeats happen
    Arbitrary<String> words = Arbitraries.strings().withCharRange('a', 'z').withChars(' ').ofMinLength(1).ofMaxLength(40);
    return Combinators.combine(id, words, Arbitraries.integers().between(0, 13), Arbitraries.integers().between(1, 5_000))
        .as(IngestCorruptionProperties::corrupt);
  }

  private static byte[] corrupt(String id, String title, int how, int size) {
    String good = "{\"content_id\":\"" + id + "\",\"title\":\"" + title + "\",\"format\":\"video\",\"region\":\"us\","
        + "\"views\":" + size + "}";
    String record = switch (how) {
      case 1 -> good.replace("\"views\":" + size, "\"views\":" + List.of("\"lots\"", "{\"a\":1}", "[1,2]", "true").get(size % 4));
      case 2 -> good.replace("\"title\":\"" + title + "\"", "\"title\":" + "{\"a\":".repeat(size % 300 + 1) + "1"
          + "}".repeat(size % 300 + 1));
      case 3 -> good.replace(title, "x".repeat(95_000 + size * 20)); // around and past ingest.max-text-chars
      case 4 -> good.replace(title, title + (char) (1 + size % 8) + "\u001f" + title); // raw control characters
      case 5 -> good.replace(title, title + "\\u0000\\u001b"); // escaped control characters
      case 6 -> good.replace("\"views\":" + size, "\"views\":" + List.of("1e400", "99999999999999999999999", "-0", "1.5").get(size % 4));
      case 7 -> good.substring(0, 1 + size % (good.length() - 1)); // truncated
      case 8 -> good.replace("\"content_id\":\"" + id + "\",", ""); // no id
      case 9 -> "~" + title.repeat(size % 5 + 1); // not JSON
      case 10 -> good.replace("\"region\":\"us\"", "\"region\":\"us\",\"extra\":{\"deep\":[1,{\"x\":null}]}");
      default -> good;
    };
    byte[] bytes = record.getBytes(StandardCharsets.UTF_8);
    if (how == 11) {
      bytes = invalidUtf8(good, title);
    } else if (how == 12) {
      bytes = good.getBytes(StandardCharsets.UTF_16LE); // ASCII text: no byte is a line break
    }
    return bytes;
  }

  /** The record with bytes that are not UTF-8 (a lone continuation byte, an overlong form, 0xFF) in its title. */
  private static byte[] invalidUtf8(String good, String title) {
    int at = good.indexOf(title);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(good.substring(0, at).getBytes(StandardCharsets.UTF_8));
    out.writeBytes(new byte[] {(byte) 0x80, (byte) 0xC0, (byte) 0xAF, (byte) 0xFF, 'o', 'k'});
    out.writeBytes(good.substring(at).getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }
}
