package io.ecolens.cluster;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.generate.CorpusGenerator;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar with spark-submit against a real S3 API on loopback (s3proxy over a
 * temporary folder, in its own JVM): the corpus and labels are read from {@code s3a://}, every Delta table is
 * written there (no catalog but Spark's in-memory one, the warehouse on S3), and the credentials
 * and endpoint come from the standard {@code spark.hadoop.fs.s3a.*} settings.
 */
class S3IT extends SparkTest {
  private static final String BUCKET = "ecolens";
  private static final String ACCESS_KEY = "ecolens-test-access";
  private static final String SECRET_KEY = "ecolens-test-secret-not-for-logs";
  private static final String DB = "s3lake";
  private static final String RUN = "s3-1";
  private static final int CATEGORIES = 10;
  @TempDir static Path dir;
  private static SparkHome home;
  private static String endpoint;
  private static int exitCode;

  @BeforeAll
  static void runThePipelineOnS3() throws Exception {
    long start = System.nanoTime();
    home = SparkHome.create(dir.resolve("spark"));
    endpoint = "http://127.0.0.1:" + StandaloneCluster.freePort();
    startS3(Files.createDirectories(dir.resolve("blobs")));
    System.out.printf("s3: s3proxy up in %.1f s%n", (System.nanoTime() - start) / 1e9);

    start = System.nanoTime();
    // the corpus is generated locally and uploaded through s3a, as a team's export would be
    EcolensConfig gen = ConfigLoader.load(Path.of("conf/local.yaml"),
        List.of("generate.rows=400", "generate.output=" + dir.resolve("demo")));
    CorpusGenerator.execute(spark, gen.generate(), PolicyLoader.load(Path.of("conf/policies/default.yaml")));
    Configuration conf = new Configuration(spark.sparkContext().hadoopConfiguration());
    s3aSettings().forEach((k, v) -> conf.set(k.substring("spark.hadoop.".length()), v));
    try (FileSystem fs = FileSystem.newInstance(URI.create("s3a://" + BUCKET + "/"), conf)) {
      for (String part : List.of("corpus", "labels")) {
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(dir.resolve("demo/" + part).toUri()),
            new org.apache.hadoop.fs.Path("s3a://" + BUCKET + "/input/" + part));
      }
    }
    System.out.printf("s3: corpus generated and uploaded in %.1f s%n", (System.nanoTime() - start) / 1e9);
    // so that this JVM can read the tables afterwards
    s3aSettings().forEach((k, v) -> spark.sparkContext().hadoopConfiguration().set(k.substring("spark.hadoop.".length()), v));

    start = System.nanoTime();
    Path work = Files.createDirectories(dir.resolve("work"));
    List<String> sparkArgs = new ArrayList<>();
    s3aSettings().forEach((k, v) -> sparkArgs.addAll(List.of("--conf", k + "=" + v)));
    sparkArgs.addAll(List.of("--conf", "spark.sql.warehouse.dir=s3a://" + BUCKET + "/warehouse",
        "--conf", "spark.databricks.delta.snapshotPartitions=2", "--conf", "spark.ui.enabled=false"));
    Process driver = home.start("driver-s3", home.submit("local[2]", sparkArgs, Path.of("conf/local.yaml"),
        List.of("run", "--run-id", RUN,
        "--set", "generate.enabled=false",
        "--set", "spark.shuffle-partitions=2",
        "--set", "catalog.embedded=false",
        "--set", "catalog.database=" + DB,
        "--set", "catalog.warehouse=s3a://" + BUCKET + "/warehouse",
        "--set", "input.corpus.path=s3a://" + BUCKET + "/input/corpus",
        "--set", "input.labels.path=s3a://" + BUCKET + "/input/labels",
        "--set", "sample.size=80",
        "--set", "sample.strata=[format]",
        "--set", "score.scorer=rules",
        "--set", "score.policy=classpath:policies/default.yaml",
        "--set", "report.output=" + work.resolve("reports"))), work);
    if (!driver.waitFor(25, TimeUnit.MINUTES)) { // minutes when idle; margin for a shared machine
      home.killAll();
      exitCode = -1;
    } else {
      exitCode = driver.exitValue();
    }
    System.out.printf("s3: run on s3a:// took %.1f s (exit %d)%n", (System.nanoTime() - start) / 1e9, exitCode);
  }

  /**
   * s3proxy in its own JVM (its jclouds wants the Jakarta EE 9+ APIs, where Spark's Jersey and Hive pin
   * the javax-era ones), serving the filesystem blobstore under {@code blobs} with one bucket.
   */
  private static void startS3(Path blobs) throws IOException, InterruptedException {
    Files.createDirectories(blobs.resolve(BUCKET)); // a folder is a bucket to the filesystem blobstore
    Properties props = new Properties();
    props.setProperty("s3proxy.endpoint", endpoint);
    props.setProperty("s3proxy.authorization", "aws-v2-or-v4");
    props.setProperty("s3proxy.identity", ACCESS_KEY);
    props.setProperty("s3proxy.credential", SECRET_KEY);
    props.setProperty("jclouds.provider", "filesystem");
    props.setProperty("jclouds.filesystem.basedir", blobs.toString());
    Path file = dir.resolve("s3proxy.properties");
    try (var out = Files.newOutputStream(file)) {
      props.store(out, "s3proxy for S3IT");
    }
    String lib = System.getProperty("ecolens.s3proxy.lib", "target/s3proxy-lib");
    String classpath = lib + java.io.File.separator + "*" + java.io.File.pathSeparator
        + System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process s3 = home.start("s3proxy", List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", classpath, "org.gaul.s3proxy.Main", "--properties", file.toString()), dir);
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline) {
      if (!s3.isAlive()) {
        throw new IllegalStateException("s3proxy exited with code " + s3.exitValue() + "\n" + home.log("s3proxy"));
      }
      try {
        http.send(HttpRequest.newBuilder(URI.create(endpoint + "/")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding());
        return; // any answer (403 without credentials) means it is serving
      } catch (IOException notYet) {
        StandaloneCluster.sleep(200);
      }
    }
    throw new IllegalStateException("s3proxy did not answer on " + endpoint + "\n" + home.log("s3proxy"));
  }

  @AfterAll
  static void stop() {
    if (home != null) {
      home.killAll();
    }
  }

  /** Endpoint, path-style access, no TLS, static keys: the settings a MinIO or Ceph user would give. */
  private static Map<String, String> s3aSettings() {
    return Map.of(
        "spark.hadoop.fs.s3a.endpoint", endpoint,
        "spark.hadoop.fs.s3a.path.style.access", "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled", "false",
        // no bulk delete of parent "directory" markers after every write (Hadoop's advice for 3.3+ clients)
        "spark.hadoop.fs.s3a.directory.marker.retention", "keep",
        "spark.hadoop.fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "spark.hadoop.fs.s3a.access.key", ACCESS_KEY,
        "spark.hadoop.fs.s3a.secret.key", SECRET_KEY);
  }

  private static Dataset<Row> table(String name) {
    return spark.read().format("delta").load("s3a://" + BUCKET + "/warehouse/" + DB + ".db/" + name)
        .filter(col("run_id").equalTo(RUN));
  }

  @Test
  void theRunSucceedsWithEveryTableOnS3() {
    assertThat(exitCode).as("spark-submit exit code\n%s", home.logTails()).isZero();
    Row run = table("runs").first();
    assertThat((String) run.getAs("status")).isEqualTo("succeeded");
    Map<String, Object> counts = scala.collection.JavaConverters.mapAsJavaMap(run.getAs("counts"));
    assertThat((Long) counts.get("read")).isEqualTo(400L);
    assertThat((Long) counts.get("accepted") + (Long) counts.get("quarantined") + (Long) counts.get("duplicates"))
        .isEqualTo(400L);
    assertThat(table("content").count()).isEqualTo((Long) counts.get("accepted"));
    assertThat(table("content_quarantine").count()).isPositive();
    assertThat(table("policy_labels").count()).isPositive();

    long sampled = table("samples").count();
    assertThat(sampled).isBetween(60L, 100L);
    Dataset<Row> scores = table("scores");
    assertThat(scores.count()).isEqualTo(sampled * CATEGORIES);
    assertThat(scores.select("content_id", "category").distinct().count()).isEqualTo(sampled * CATEGORIES);
    assertThat(table("evaluations").count()).isPositive();
    assertThat(table("metrics").filter(col("metric").equalTo("prevalence")).count()).isPositive();
    assertThat(dir.resolve("work/reports/" + RUN + "/report.html")).isRegularFile();
  }

  @Test
  void theTablesLiveInTheBucketAndNothingWasWrittenLocally() throws IOException {
    Path scoresLog = dir.resolve("blobs/" + BUCKET + "/warehouse/" + DB + ".db/scores/_delta_log");
    assertThat(scoresLog.resolve("00000000000000000000.json")).as("Delta log written through the S3 API")
        .isRegularFile();
    try (Stream<Path> files = Files.walk(dir.resolve("work"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.equals("_delta_log") || n.endsWith(".parquet") || n.equals("metastore_db"));
    }
  }

  @Test
  void theSecretKeyIsNeitherStoredNorLogged() {
    assertThat(exitCode).isZero();
    assertThat((String) table("runs").first().getAs("config_json")).doesNotContain(SECRET_KEY);
    assertThat(home.log("driver-s3")).contains("ingest").doesNotContain(SECRET_KEY);
  }
}
