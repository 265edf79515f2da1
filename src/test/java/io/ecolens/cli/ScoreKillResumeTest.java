package io.ecolens.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.apache.spark.sql.functions.col;

import io.ecolens.catalog.CatalogServer;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.simulator.LlmSimulator;
import io.ecolens.testing.ChildJvms;
import io.ecolens.testing.DemoRuns;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} in a JVM of its own, killed with SIGKILL once its score stage has committed at least
 * one chunk, then {@code score} started again with the same run id: every item ends with exactly one row per category, and
 * no committed item is sent to the endpoint a second time.
 */
@Tag("slow")
class ScoreKillResumeTest extends SparkTest {
  private static final int CATEGORIES = 10;
  private static final int COMMIT_EVERY = 30;
  private static final String RUN = "killed-1";

  @TempDir Path dir;

  @AfterEach
  void stopCatalogServer() {
    CatalogServer.stop(dir.resolve("warehouse")); // the children's; it would stop by itself after minutes without clients
  }

  /** Settings a test adds to every child's. */
  private final List<String> extra = new ArrayList<>();

  private List<String> cli(String command, LlmSimulator sim) {
    List<String> args = new ArrayList<>(ChildJvms.cli(dir.resolve("ecolens.log"))); // each child runs a few hundred rows
    args.addAll(List.of(command, "--run-id", RUN, "--conf", "conf/local.yaml"));
    List<String> sets = settings(sim);
    sets.addAll(extra);
    for (String set : sets) {
      args.add("--set");
      args.add(set);
    }
    return args;
  }

  private List<String> settings(LlmSimulator sim) {
    List<String> sets = DemoRuns.demoCorpus(dir, 500, "killtest");
    sets.addAll(List.of(
        "spark.master=local[2]",
        "catalog.warehouse=" + dir.resolve("warehouse"),
        "sample.size=150",
        "sample.strata=[format]",
        "score.scorer=openai",
        "score.openai.endpoint=" + sim.endpoint(),
        "score.openai.model=sim-model",
        "score.openai.api-key-env=ECOLENS_KILL_TEST_NO_KEY",
        "score.openai.items-per-request=3",
        "score.openai.max-concurrency=2",
        "score.openai.partitions=2",
        "score.openai.commit-every=" + COMMIT_EVERY));
    return sets;
  }

  private Process start(String command, LlmSimulator sim, String log) throws IOException {
    return new ProcessBuilder(cli(command, sim)).redirectErrorStream(true)
        .redirectOutput(dir.resolve(log).toFile()).start();
  }

  private int finish(String command, LlmSimulator sim) throws Exception {
    Process p = start(command, sim, command + ".log");
    boolean done = p.waitFor(10, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly(); // never leave a child behind
    }
    assertThat(done).as("%s finished", command).isTrue();
    return p.exitValue();
  }

  /** This run's rows of a table the child processes write, read from its Delta folder. */
  private Dataset<Row> table(String name) throws IOException {
    Path found = tableFolder(name).orElseThrow(
        () -> new AssertionError("no table " + name + " under " + dir.resolve("warehouse")));
    return spark.read().format("delta").load(found.toString()).filter(col("run_id").equalTo(RUN));
  }

  private Optional<Path> tableFolder(String name) throws IOException {
    if (!Files.isDirectory(dir.resolve("warehouse"))) {
      return Optional.empty(); // the child has not created its warehouse yet
    }
    // the running child creates and removes files as it goes (Derby's db.lck under metastore_db): a walk
    // that meets a file gone between listing and reading it goes on instead of failing
    Path[] found = new Path[1];
    Files.walkFileTree(dir.resolve("warehouse"), new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult preVisitDirectory(Path p, java.nio.file.attribute.BasicFileAttributes a) {
        if (p.getFileName().toString().equals(name) && Files.isDirectory(p.resolve("_delta_log"))) {
          found[0] = p;
          return java.nio.file.FileVisitResult.TERMINATE;
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
        if (e instanceof java.nio.file.NoSuchFileException) {
          return java.nio.file.FileVisitResult.CONTINUE;
        }
        throw e;
      }
    });
    return Optional.ofNullable(found[0]);
  }

  /**
   * Whether the running child has committed scored rows: a commit of {@code scores} that adds a
   * file. Read from the Delta log's files alone, so that polling takes no CPU from the child.
   */
  private boolean committedSoFar() throws IOException {
    Optional<Path> scores = tableFolder("scores");
    if (scores.isEmpty()) {
      return false;
    }
    try (Stream<Path> commits = Files.list(scores.get().resolve("_delta_log"))) {
      for (Path commit : commits.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
        try {
          if (Files.readString(commit).contains("{\"add\":")) {
            return true;
          }
        } catch (IOException beingWritten) {
          // read again on the next poll
        }
      }
    }
    return false;
  }

  private Dataset<Row> scores() throws IOException {
    return table("scores");
  }

  @Test
  void aScoreKilledWithSigkillResumesWithoutDuplicatesOrResendingCommittedItems() throws Exception {
    Policy policy = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
    // 250 ms per answer, 2 requests in flight, 3 items per request: each chunk of about 30 items
    // takes over a second to score, so the kill lands between the first commit and the last.
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(250), policy)) {
      // one child runs the pipeline (generate, ingest, sample, score) and is killed in its scoring
      Process first = start("run", sim, "run-killed.log");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
      while (!committedSoFar() && first.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      first.destroyForcibly();
      assertThat(first.waitFor(1, TimeUnit.MINUTES)).isTrue();
      assertThat(first.exitValue()).as("killed, not finished; see " + dir.resolve("run-killed.log")).isNotZero();
      long items = table("samples").count();
      assertThat(items).isGreaterThan(3L * COMMIT_EVERY);
      long committed = scores().select("content_id").distinct().count();
      long sentBeforeKill = sim.stats().items();
      assertThat(committed).as("at least one chunk committed before the kill").isPositive();
      assertThat(committed).as("the kill came before the last chunk").isLessThan(items);
      assertThat(scores().count()).as("whole items only").isEqualTo(committed * CATEGORIES);
      assertThat(sentBeforeKill - committed).as("sent but not committed: the chunk in flight")
          .isLessThanOrEqualTo(2L * COMMIT_EVERY);

      assertThat(finish("score", sim)).as("resumed score exit code; see " + dir.resolve("score.log")).isZero();
      Dataset<Row> rows = scores();
      assertThat(rows.count()).isEqualTo(items * CATEGORIES);
      assertThat(rows.select("content_id", "category").distinct().count()).isEqualTo(items * CATEGORIES);
      assertThat(rows.filter("status <> 'ok'").count()).isZero();
      LlmSimulator.Stats total = sim.stats();
      assertThat(total.items() - sentBeforeKill).as("the restart sends exactly the items not committed")
          .isEqualTo(items - committed);
      assertThat(total.distinctItems()).isEqualTo(items);
      assertThat(total.items()).isLessThanOrEqualTo(items + 2L * COMMIT_EVERY);
    }
  }

  /**
   * {@code score.openai.mode: batch}: the driver is killed once its batch is created and recorded
   * in {@code llm_batches}; the rerun attaches to that batch instead of submitting its items again,
   * and collects every row.
   */
  @Test
  void aBatchRunKilledAfterSubmittingAttachesToItsBatchOnTheRerun() throws Exception {
    Policy policy = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
    extra.addAll(List.of("score.openai.mode=batch", "score.openai.batch-poll-seconds=1"));
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(5)
        .withBatches(new LlmSimulator.BatchSettings(30_000, 0, 1.0)), policy)) {
      Process first = start("run", sim, "run-killed.log");
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
      while (!batchRecorded() && first.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      first.destroyForcibly();
      assertThat(first.waitFor(1, TimeUnit.MINUTES)).isTrue();
      assertThat(first.exitValue()).as("killed, not finished; see " + dir.resolve("run-killed.log")).isNotZero();
      assertThat(sim.stats().batchesCreated()).isEqualTo(1);
      long items = table("samples").count();

      assertThat(finish("score", sim)).as("rerun score exit code; see " + dir.resolve("score.log")).isZero();
      assertThat(sim.stats().batchesCreated()).as("batches created: the rerun submitted nothing").isEqualTo(1);
      assertThat(sim.stats().batchItems()).isEqualTo(items);
      Dataset<Row> rows = scores();
      assertThat(rows.count()).isEqualTo(items * CATEGORIES);
      assertThat(rows.select("content_id", "category").distinct().count()).isEqualTo(items * CATEGORIES);
      assertThat(rows.filter("status <> 'ok'").count()).isZero();
      List<Row> batches = table("llm_batches").collectAsList();
      assertThat(batches).hasSize(1);
      assertThat((Object) batches.get(0).getAs("collected_at")).isNotNull();
    }
  }

  /** Whether the running child has recorded a created batch: an llm_batches row with a batch id. */
  private boolean batchRecorded() throws IOException {
    Optional<Path> batches = tableFolder("llm_batches");
    if (batches.isEmpty() || !Files.isDirectory(batches.get().resolve("_delta_log"))) {
      return false;
    }
    try {
      return spark.read().format("delta").load(batches.get().toString()).filter("batch_id is not null").count() > 0;
    } catch (Exception beingCreated) { // Delta's AnalysisException is a checked one in Java's eyes
      return false; // the table's first commit is not written yet
    }
  }
}
