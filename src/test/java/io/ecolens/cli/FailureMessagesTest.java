package io.ecolens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.catalog.CatalogServer;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.ChildJvms;
import io.ecolens.testing.SparkTest;
import io.ecolens.testing.TestSpark;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line on broken setups: every failure is a short message on stderr (what failed, the
 * likely cause, what to do) with its documented exit code, and where there is a trace, it goes to a
 * file whose path the message gives.
 */
@Tag("slow")
class FailureMessagesTest extends SparkTest {
  private static final String DB = "failures";
  private static final Pattern TRACE_FILE = Pattern.compile("full trace: (\\S+)");
  @TempDir Path dir;
  private final StringWriter err = new StringWriter();

  private int cli(String command, String runId, String... sets) {
    List<String> args = new ArrayList<>(List.of(command, "--run-id", runId, "--conf", "conf/local.yaml",
        "--set", "catalog.database=" + DB, "--set", "report.output=" + dir.resolve("reports"),
        "--set", "score.scorer=rules"));
    for (String set : sets) {
      args.addAll(List.of("--set", set));
    }
    return EcolensCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        args.toArray(String[]::new));
  }

  /** A few lines of message, no stack frame. */
  private static void assertShort(String stderr) {
    assertThat(stderr.lines().count()).as(stderr).isBetween(1L, 3L);
    assertThat(stderr).doesNotContain("\tat ").doesNotContain("Caused by");
  }

  /** The file the message points to, holding the full trace. */
  private static String traceFile(String stderr) throws Exception {
    Matcher m = TRACE_FILE.matcher(stderr);
    assertThat(m.find()).as("a trace file in: %s", stderr).isTrue();
    Path file = Path.of(m.group(1));
    assertThat(file).isRegularFile();
    String trace = Files.readString(file);
    assertThat(trace).contains("\tat ");
    return trace;
  }

  /** The test's database, its tables created. */
  private static TableStore store() {
    TableStore store = new TableStore(spark, DB);
    store.ensureAll();
    return store;
  }

  /** A loopback port nothing listens on. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void aMissingCorpusNamesThePathAndExitsWithTheInputCode() {
    Path missing = dir.resolve("no-corpus");
    assertThat(cli("ingest", "f-missing", "input.corpus.path=" + missing)).isEqualTo(3);
    assertShort(err.toString());
    assertThat(err.toString()).contains(missing.toString());
  }

  /**
   * A folder the config names that cannot be written: here an output folder that is a file (as
   * root, as the tests run here, permissions do not stop a write; a file in the way does).
   */
  @Test
  void anUnwritableOutputFolderIsNamedWithTheSettingsToCheck() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-folder"), "a file where a folder should be");
    int code = cli("generate", "f-unwritable", "generate.output=" + file.resolve("demo"), "generate.rows=20");
    assertThat(code).as(err.toString()).isEqualTo(4);
    assertShort(err.toString());
    assertThat(err.toString()).contains("error: generate failed: ").contains("likely cause: a folder could not be written");
    traceFile(err.toString());
  }

  @Test
  void anEndpointThatIsDownIsNamedWithTheSettingToCheck() throws Exception {
    TableStore store = store();
    store.replaceRun(Table.CONTENT, "f-down", rows(Table.CONTENT,
        row("run_id", "f-down", "content_id", "c1", "title", "a title", "format", "video")));
    store.replaceRun(Table.SAMPLES, "f-down", rows(Table.SAMPLES,
        row("run_id", "f-down", "content_id", "c1", "stratum", "video", "weight", 1.0)));
    String endpoint = "http://127.0.0.1:" + closedPort() + "/v1";
    assertThat(cli("score", "f-down", "score.scorer=openai", "score.openai.endpoint=" + endpoint,
        "score.openai.model=m", "score.openai.api-key-env=ECOLENS_FAILURE_TEST_NO_KEY")).isEqualTo(4);
    assertShort(err.toString());
    assertThat(err.toString()).contains("cannot reach the LLM endpoint " + endpoint)
        .contains("score.openai.endpoint");
    assertThat(traceFile(err.toString())).contains("ConnectException");
  }

  @Test
  void aDamagedDeltaLogIsNamedAndItsTraceGoesToAFile() throws Exception {
    TableStore store = store();
    store.replaceRun(Table.SAMPLES, "f-damaged", rows(Table.SAMPLES,
        row("run_id", "f-damaged", "content_id", "c1", "stratum", "video", "weight", 1.0)));
    Path log = Path.of(java.net.URI.create(store.location(Table.SAMPLES))).resolve("_delta_log");
    long next;
    try (var commits = Files.list(log)) {
      next = commits.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{20}\\.json"))
          .mapToLong(n -> Long.parseLong(n.substring(0, 20))).max().orElseThrow() + 1;
    }
    Files.writeString(log.resolve(String.format("%020d.json", next)), "{\"add\": {\"path\": truncated\n");

    assertThat(cli("score", "f-damaged")).isEqualTo(4);
    assertShort(err.toString());
    assertThat(err.toString()).contains("error: score failed: ").contains("likely cause: a Delta table's log");
    traceFile(err.toString());
  }

  /**
   * A second process on the warehouse whose catalog this JVM opened inside itself (as {@code
   * catalog.server: false} does; Derby opened so admits one process): the second process's catalog
   * server cannot open it, and the CLI says so in one clear message naming the catalog and what to
   * do, the trace in the log file.
   */
  @Test
  void aCatalogHeldByAnotherProcessIsOneClearMessage() throws Exception {
    spark.sql("SHOW DATABASES").collectAsList(); // this JVM has booted its catalog
    Path logFile = dir.resolve("child.log");
    List<String> command = new ArrayList<>(ChildJvms.cli(logFile));
    command.addAll(List.of("report", "--run-id", "f-locked", "--conf", "conf/local.yaml",
        "--set", "spark.master=local[1]", "--set", "catalog.warehouse=" + TestSpark.warehouse(),
        "--set", "report.output=" + dir.resolve("reports")));
    Path stderr = dir.resolve("stderr.txt");
    Process child = new ProcessBuilder(command).redirectOutput(dir.resolve("stdout.txt").toFile())
        .redirectError(stderr.toFile()).start();
    boolean done = child.waitFor(5, TimeUnit.MINUTES);
    if (!done) {
      child.destroyForcibly(); // never leave a child behind
    }
    CatalogServer.stop(TestSpark.warehouse()); // the child's, which could not open the catalog this JVM holds
    assertThat(done).as("the CLI finished").isTrue();
    String printed = Files.readString(stderr);
    assertThat(child.exitValue()).as(printed).isEqualTo(4);
    assertThat(printed).doesNotContain("\tat ").doesNotContain("Caused by");
    assertThat(printed.lines().count()).as(printed).isLessThanOrEqualTo(3);
    assertThat(printed).contains("likely cause: another process opened the embedded catalog")
        .contains(TestSpark.warehouse().toString()).contains("full trace: " + logFile);
    assertThat(Files.readString(logFile)).contains("SQLSTATE: XSDB6").contains("\tat "); // Derby's "another instance booted it"
  }
}
