package io.ecolens.cluster;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.simulator.LlmSimulator;
import io.ecolens.testing.ChildJvms;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar submitted with spark-submit to a standalone cluster of separate JVMs on
 * loopback (a master, two one-core workers): the whole pipeline with the embedded model loaded
 * in the executors, and LLM scoring that survives the loss of an executor mid-chunk without
 * losing, duplicating or re-sending committed rows. The second test re-scores the first one's run
 * (one pipeline run is the slow part), hence the order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT extends SparkTest {
  private static final int CATEGORIES = 10;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RUN = "cl-1";
  private static final String DB = "cluster_it";
  @TempDir static Path dir;
  private static StandaloneCluster cluster;
  private static Path work;
  private static int runExit;

  @BeforeAll
  static void startClusterAndRunThePipeline() throws Exception {
    SparkHome.appJar();
    long start = System.nanoTime();
    cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, "1g");
    System.out.printf("cluster: master and 2 workers up in %.1f s%n", seconds(start));
    work = Files.createDirectories(dir.resolve("work"));
    start = System.nanoTime();
    List<String> submitArgs = new ArrayList<>(sparkArgs());
    submitArgs.addAll(List.of("--conf", "spark.ui.enabled=false"));
    Process driver = cluster.submit("driver-run", work, submitArgs, appArgs("run", List.of(
        "generate.rows=400",
        "generate.output=" + work.resolve("demo"),
        "input.corpus.path=" + work.resolve("demo/corpus"),
        "input.labels.path=" + work.resolve("demo/labels"),
        "score.scorer=embedded")));
    runExit = await(driver);
    System.out.printf("cluster: run with the embedded scorer took %.1f s (exit %d)%n", seconds(start), runExit);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
    if (work != null) {
      io.ecolens.catalog.CatalogServer.stop(warehouse().getParent()); // the drivers'; it would stop by itself when idle
    }
  }

  @Test
  @Order(1)
  void theWholePipelineRunsOnTheClusterWithTheModelLoadedInTheExecutors() throws Exception {
    assertThat(runExit).as("spark-submit run exit code\n%s", cluster.home().logTails()).isZero();
    Row run = table("runs").first();
    assertThat((String) run.getAs("status")).isEqualTo("succeeded");
    long accepted = table("content").count();
    assertThat(accepted).isBetween(380L, 400L);
    assertThat(table("content").select("content_id").distinct().count()).isEqualTo(accepted);

    Dataset<Row> samples = table("samples");
    long sampled = samples.count();
    assertThat(sampled).isBetween(60L, 100L);
    Dataset<Row> scores = table("scores");
    assertThat(scores.count()).isEqualTo(sampled * CATEGORIES);
    assertThat(scores.select("content_id", "category").distinct().count()).isEqualTo(sampled * CATEGORIES);
    assertThat(samples.join(scores, samples.col("content_id").equalTo(scores.col("content_id")), "left_anti")
        .count()).isZero();
    assertThat(scores.filter(col("status").notEqual("ok")).count()).isZero();
    assertThat(scores.select("scorer").distinct().collectAsList()).extracting(r -> r.getString(0))
        .containsExactly("embedded");
    assertThat(scores.select("model").first().getString(0)).startsWith("all-minilm");
    assertThat(table("evaluations").count()).isPositive();
    assertThat(table("metrics").count()).isPositive();
    assertThat(work.resolve("reports/" + RUN + "/report.html")).isRegularFile();

    // the tasks ran in the executor JVMs of both workers, not in the driver
    for (int w = 0; w < 2; w++) {
      assertThat(executorLogs(w)).as("worker %d's executor log", w).contains("Finished task");
    }
  }

  /** Re-scores the run above with the openai scorer, killing an executor mid-chunk. */
  @Test
  @Order(2)
  void losingAnExecutorWhileScoringLosesNothingAndResendsNothingCommitted() throws Exception {
    assertThat(runExit).as("the pipeline run this test re-scores").isZero();
    List<String> submitArgs = new ArrayList<>(sparkArgs());
    submitArgs.addAll(List.of("--conf", "spark.ui.enabled=false"));
    Path scoresLog = warehouse().resolve("scores/_delta_log");
    int appendsBefore = appendCommits(scoresLog);
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(300),
            PolicyLoader.load(Path.of("conf/policies/default.yaml")));
        RecordingProxy proxy = RecordingProxy.start(sim.endpoint())) {
      long start = System.nanoTime();
      Process driver = cluster.submit("driver-score", work, submitArgs, appArgs("score", List.of(
          "score.scorer=openai",
          "score.openai.endpoint=" + proxy.endpoint(),
          "score.openai.model=sim-model",
          "score.openai.api-key-env=ECOLENS_CLUSTER_TEST_NO_KEY",
          "score.openai.items-per-request=1",
          "score.openai.max-concurrency=2",
          "score.openai.partitions=2",
          "score.openai.commit-every=20",
          "score.openai.timeout-ms=20000")));

      // once a chunk is committed, hold the next request back and kill the executor that sent it:
      // its task is then surely waiting on an answer, with items sent and not committed
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(25);
      while (appendCommits(scoresLog) == appendsBefore && driver.isAlive() && System.nanoTime() < deadline) {
        StandaloneCluster.sleep(100);
      }
      RecordingProxy.Hold hold = proxy.holdNext();
      String killed = null;
      try {
        int clientPort = hold.clientPort().get(5, TimeUnit.MINUTES);
        Optional<String> sender = cluster.executorConnectedFrom(clientPort, proxy.port());
        Optional<ProcessHandle> jvm = sender.flatMap(cluster::executor);
        if (jvm.isPresent() && jvm.get().destroyForcibly()) {
          jvm.get().onExit().get(1, TimeUnit.MINUTES);
          killed = sender.get();
        }
      } finally {
        hold.release();
      }
      long killVersion = lastVersion(scoresLog);
      Map<String, Integer> sentBeforeKill = proxy.sends();
      assertThat(killed).as("an executor was killed while scoring\n%s", cluster.home().logTails()).isNotNull();
      System.out.printf("cluster: killed executor %s at scores version %d after %d items sent%n", killed,
          killVersion, sentBeforeKill.values().stream().mapToInt(Integer::intValue).sum());

      int exit = await(driver);
      System.out.printf("cluster: score with the openai scorer and one executor lost took %.1f s (exit %d)%n",
          seconds(start), exit);
      assertThat(exit).as("spark-submit score exit code\n%s", cluster.home().logTails()).isZero();
      assertThat(cluster.home().log("driver-score")).contains("Lost executor " + killed);
      assertThat((String) table("runs").first().getAs("status")).isEqualTo("succeeded");

      // nothing lost, nothing duplicated
      Dataset<Row> samples = table("samples");
      long sampled = samples.count();
      Dataset<Row> scores = table("scores");
      assertThat(scores.count()).isEqualTo(sampled * CATEGORIES);
      assertThat(scores.select("content_id", "category").distinct().count()).isEqualTo(sampled * CATEGORIES);
      assertThat(scores.filter(col("status").notEqual("ok").or(col("scorer").notEqual("openai"))).count()).isZero();
      assertThat(samples.join(scores, samples.col("content_id").equalTo(scores.col("content_id")), "left_anti")
          .count()).isZero();

      // the kill cost work in flight (some item went out twice) but no committed item was sent again
      Dataset<Row> content = table("content");
      Map<String, Integer> expected = timesInSample(samples, content);
      Map<String, Integer> sends = proxy.sends();
      assertThat(sends.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      long resent = sends.values().stream().mapToInt(Integer::intValue).sum()
          - expected.values().stream().mapToInt(Integer::intValue).sum();
      assertThat(resent).as("items sent again after the executor was lost").isPositive();

      Dataset<Row> committed = spark.read().format("delta").option("versionAsOf", killVersion)
          .load(warehouse().resolve("scores").toString())
          .filter(col("run_id").equalTo(RUN).and(col("scorer").equalTo("openai")));
      Map<String, Integer> committedBeforeKill = timesInSample(committed.select("content_id").distinct(), content);
      assertThat(committedBeforeKill).isNotEmpty();
      assertThat(committedBeforeKill.size()).isLessThan(expected.size());
      for (String item : committedBeforeKill.keySet()) {
        assertThat(sends.get(item)).as("sends of an item committed before the kill").isEqualTo(expected.get(item));
      }
      System.out.printf("cluster: %d items, %d committed before the kill, %d sent again%n", expected.size(),
          committedBeforeKill.size(), resent);
    }
  }

  /** How many sampled items carry each text (normally one). */
  private static Map<String, Integer> timesInSample(Dataset<Row> ids, Dataset<Row> content) {
    Map<String, Integer> times = new HashMap<>();
    Dataset<Row> texts = content.join(ids.select(col("content_id").as("id")), col("content_id").equalTo(col("id")),
        "left_semi").select(coalesce(col("title"), lit("")), coalesce(col("description"), lit("")),
        coalesce(col("transcript"), lit("")));
    // a few hundred rows of a test fixture
    for (Row r : texts.collectAsList()) {
      times.merge(RecordingProxy.key(r.getString(0), r.getString(1), r.getString(2)), 1, Integer::sum);
    }
    return times;
  }

  private static List<String> sparkArgs() {
    return List.of("--conf", "spark.executor.memory=1g", "--conf", "spark.executor.cores=1",
        // replaces submit.sh's executor options: the Java 17 opens again, and the short-lived flags
        "--conf", "spark.executor.extraJavaOptions=" + SparkHome.opens() + " " + String.join(" ", ChildJvms.SHORT_LIVED),
        "--conf", "spark.cores.max=2", "--conf", "spark.task.maxFailures=4",
        "--conf", "spark.databricks.delta.snapshotPartitions=2");
  }

  private static List<String> appArgs(String command, List<String> sets) {
    List<String> args = new ArrayList<>(List.of(command, "--run-id", RUN));
    List<String> all = new ArrayList<>(List.of(
        "spark.shuffle-partitions=2",
        "score.scorer=rules",
        "catalog.database=" + DB,
        "catalog.warehouse=" + work.resolve("warehouse"),
        "sample.size=80",
        "sample.strata=[format]",
        "score.policy=classpath:policies/default.yaml",
        "report.output=" + work.resolve("reports")));
    all.addAll(sets);
    for (String set : all) {
      args.add("--set");
      args.add(set);
    }
    return args;
  }

  private static Path warehouse() {
    return work.resolve("warehouse/" + DB + ".db");
  }

  private static Dataset<Row> table(String name) {
    return spark.read().format("delta").load(warehouse().resolve(name).toString())
        .filter(col("run_id").equalTo(RUN));
  }

  /**
   * Waits for a spark-submit; kills it after 25 minutes. On an idle 2-core machine a submission
   * takes a few minutes; the margin is for a machine shared with other builds.
   */
  private static int await(Process driver) throws InterruptedException {
    if (!driver.waitFor(25, TimeUnit.MINUTES)) {
      driver.descendants().forEach(ProcessHandle::destroyForcibly);
      driver.destroyForcibly();
      return -1;
    }
    return driver.exitValue();
  }

  /** Everything the executors of worker {@code w} wrote to stderr. */
  private static String executorLogs(int w) throws IOException {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> files = Files.walk(cluster.workerDir(w))) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
        out.append(Files.readString(f));
      }
    }
    return out.toString();
  }

  /** Delta commits that appended rows (the scoring chunks and cached copies). */
  private static int appendCommits(Path log) {
    int n = 0;
    for (Path commit : commits(log)) {
      try {
        String text = Files.readString(commit);
        n += text.contains("\"operation\":\"WRITE\"") && text.contains("\"mode\":\"Append\"") ? 1 : 0;
      } catch (IOException being_written) {
        // read again on the next poll
      }
    }
    return n;
  }

  private static long lastVersion(Path log) {
    return commits(log).stream().mapToLong(p -> Long.parseLong(p.getFileName().toString().replace(".json", "")))
        .max().orElse(-1);
  }

  private static List<Path> commits(Path log) {
    if (!Files.isDirectory(log)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(log)) {
      return files.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
