package io.ecolens.score;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.cli.StageRunners;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.generate.CorpusGenerator;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.run.RunContext;
import io.ecolens.run.StageRunner;
import io.ecolens.simulator.LlmSimulator;
import io.ecolens.tables.Table;
import io.ecolens.testing.DemoRuns;
import io.ecolens.testing.SparkTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code score.openai.mode: batch} against the simulator's Batch API: the same rows as an online
 * run of the same sample at half the price, {@code --submit} then {@code --collect} sending nothing
 * twice, a provider that lets half of each batch expire (only the other half is sent again), and
 * the provider's limits splitting the requests into several files.
 */
@Tag("slow")
class BatchScoringTest extends SparkTest {
  private static final int CATEGORIES = 10;
  private static final int ITEMS_PER_REQUEST = 4;
  @TempDir static Path dir;
  private static LlmSimulator sim;
  private static LlmSimulator expiring;

  private static EcolensConfig config(String database, LlmSimulator at, String... more) {
    List<String> sets = DemoRuns.demoCorpus(dir, 240, database);
    sets.addAll(List.of(
        "sample.size=48",
        "sample.strata=[format]",
        "score.scorer=openai",
        "score.openai.endpoint=" + at.endpoint(),
        "score.openai.model=sim-model",
        "score.openai.api-key-env=ECOLENS_BATCH_TEST_NO_KEY",
        "score.openai.items-per-request=" + ITEMS_PER_REQUEST,
        "score.openai.max-concurrency=4",
        "score.openai.commit-every=20",
        "score.openai.input-price-per-million=2.5",
        "score.openai.output-price-per-million=10",
        "score.openai.batch-poll-seconds=1"));
    sets.addAll(List.of(more));
    return ConfigLoader.load(Path.of("conf/local.yaml"), sets);
  }

  private static RunContext prepared(EcolensConfig config, String runId) {
    RunContext ctx = new RunContext(spark, config, runId);
    StageRunners.ingest(ctx);
    StageRunners.sample(ctx);
    return ctx;
  }

  @BeforeAll
  static void start() {
    sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(5)
        .withBatches(new LlmSimulator.BatchSettings(300, 0, 1.0)), PolicyLoader.load(Path.of("conf/policies/default.yaml")));
    expiring = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(5)
        .withBatches(new LlmSimulator.BatchSettings(300, 0, 0.5)), PolicyLoader.load(Path.of("conf/policies/default.yaml")));
    EcolensConfig c = config("batch_online", sim);
    CorpusGenerator.execute(spark, c.generate(), new RunContext(spark, c, "gen").policy());
  }

  @AfterAll
  static void stop() {
    sim.close();
    expiring.close();
  }

  @Test
  void aBatchRunWritesTheRowsOfAnOnlineRunAtHalfThePrice() throws Exception {
    RunContext online = prepared(config("batch_online", sim), "on-1");
    StageRunners.score(online);
    RunContext batch = prepared(config("batch_batch", sim, "score.openai.mode=batch"), "b-1");
    sim.resetStats();
    ScoreStage.Result result = StageRunners.score(batch);

    LlmSimulator.Stats stats = sim.stats();
    assertThat(stats.requests()).as("online requests of the batch run").isZero();
    long items = batch.store().readRun(Table.SAMPLES, "b-1").count();
    assertThat(stats.batchItems()).as("items sent in batches").isEqualTo(items);
    assertThat(result.awaitingItems()).isZero();
    assertThat(verdicts(batch, "b-1")).isEqualTo(verdicts(online, "on-1"));
    assertThat(verdicts(batch, "b-1")).hasSize((int) items * CATEGORIES);

    double onlineCost = cost(online, "on-1");
    assertThat(onlineCost).isPositive();
    // the batch's rows are priced at half the online price of their own tokens...
    Row tokens = batch.store().readRun(Table.SCORES, "b-1").agg(org.apache.spark.sql.functions.sum("input_tokens"),
        org.apache.spark.sql.functions.sum("output_tokens")).first();
    double atOnlinePrice = (tokens.getLong(0) * 2.5 + tokens.getLong(1) * 10) / 1e6;
    assertThat(cost(batch, "b-1")).isCloseTo(0.5 * atOnlinePrice, within(1e-12));
    // ...and cost at most half the online run's: the same items, in as many requests or fewer (the online
    // path fills requests per task, the batch over all the items at once)
    assertThat(cost(batch, "b-1") / onlineCost).as("batch cost / online cost").isBetween(0.4, 0.5);
    Map<String, Double> m = scoreMetrics(batch, "b-1");
    assertThat(m.get("batch_cost_usd")).isCloseTo(cost(batch, "b-1"), within(1e-12));
    assertThat(m.get("batch_saving_usd")).isCloseTo(cost(batch, "b-1"), within(1e-12));
    assertThat(m.get("online_cost_usd")).isZero();

    // the report shows the batch and online spend apart, with the saving
    io.ecolens.report.ReportStage.Result report = StageRunners.report(batch);
    com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(report.summaryPath().toFile());
    assertThat(summary.path("spend_usd").path("batch").asDouble()).isCloseTo(cost(batch, "b-1"), within(1e-12));
    assertThat(summary.path("spend_usd").path("batch_saving").asDouble()).isCloseTo(cost(batch, "b-1"), within(1e-12));
    assertThat(java.nio.file.Files.readString(report.htmlPath())).contains("Batch API spend");

    Dataset<Row> book = batch.store().readRun(Table.LLM_BATCHES, "b-1");
    assertThat(book.count()).isEqualTo(1);
    Row b = book.first();
    assertThat((String) b.getAs("status")).isEqualTo("completed");
    assertThat((Long) b.getAs("item_count")).isEqualTo(items);
    assertThat((Object) b.getAs("collected_at")).isNotNull();
  }

  @Test
  void submitThenCollectSendsEveryItemOnceAndExitsRunningUntilDone() {
    EcolensConfig config = config("batch_submit", sim, "score.openai.mode=batch");
    RunContext ctx = prepared(config, "s-1");
    sim.resetStats();
    ScoreStage.Result submitted = new StageRunner(ctx).run(new ScoreStage(ScoreStage.BatchStep.SUBMIT)).result();
    long items = ctx.store().readRun(Table.SAMPLES, "s-1").count();
    assertThat(submitted.awaitingItems()).isEqualTo(items);
    assertThat(ctx.store().readRun(Table.SCORES, "s-1").count()).isZero();
    // a second submit (a retried Airflow task) follows the batch in flight
    new StageRunner(new RunContext(spark, config, "s-1")).run(new ScoreStage(ScoreStage.BatchStep.SUBMIT));
    assertThat(sim.stats().batchesCreated()).isEqualTo(1);

    ScoreStage.Result collected;
    int polls = 0;
    do {
      collected = new StageRunner(new RunContext(spark, config, "s-1"))
          .run(new ScoreStage(ScoreStage.BatchStep.COLLECT)).result();
      polls++;
    } while (collected.awaitingItems() > 0 && polls < 30);
    assertThat(collected.awaitingItems()).isZero();
    assertThat(sim.stats().batchesCreated()).as("batches created in all").isEqualTo(1);
    assertThat(sim.stats().batchItems()).isEqualTo(items);
    Dataset<Row> rows = ctx.store().readRun(Table.SCORES, "s-1");
    assertThat(rows.count()).isEqualTo(items * CATEGORIES);
    assertThat(rows.filter(col("status").equalTo("ok")).count()).isEqualTo(items * CATEGORIES);
  }

  @Test
  void aBatchThatExpiresHalfDoneSendsOnlyTheOtherHalfAgain() {
    EcolensConfig config = config("batch_expiry", expiring, "score.openai.mode=batch", "score.openai.max-attempts=3");
    RunContext ctx = prepared(config, "x-1");
    expiring.resetStats();
    StageRunners.score(ctx);

    List<Row> rounds = ctx.store().readRun(Table.LLM_BATCHES, "x-1").orderBy("round").collectAsList();
    assertThat(rounds).hasSize(3);
    Dataset<Row> rows = ctx.store().readRun(Table.SCORES, "x-1");
    long items = ctx.store().readRun(Table.SAMPLES, "x-1").count();
    assertThat(rows.select("content_id").distinct().count()).isEqualTo(items);
    assertThat(rows.count()).as("one row per item and category").isEqualTo(items * CATEGORIES);
    long requestsBefore = 0;
    for (int r = 0; r < rounds.size(); r++) {
      Row batch = rounds.get(r);
      assertThat((String) batch.getAs("status")).isEqualTo("expired");
      long requests = batch.getAs("request_count");
      long done = batch.getAs("completed_requests");
      assertThat(done).as("round %d: half of its requests done", r + 1).isEqualTo(requests / 2);
      if (r > 0) {
        assertThat(requests).as("round %d sends only what round %d left", r + 1, r).isEqualTo(requestsBefore - requestsBefore / 2);
      }
      requestsBefore = requests;
    }
    long lastLeft = requestsBefore - requestsBefore / 2;
    long errorItems = rows.filter(col("status").equalTo("error")).select("content_id").distinct().count();
    assertThat(errorItems).as("items of the last round's expired requests").isBetween(lastLeft, lastLeft * ITEMS_PER_REQUEST);
    assertThat(rows.filter(col("status").equalTo("error")).first().<String>getAs("error"))
        .contains("batch_expired").contains("after 3 attempts");
    assertThat(expiring.stats().batchesCreated()).isEqualTo(3);

    // collecting again (the Airflow collect task poking once more) keeps the error rows and sends nothing
    ScoreStage.Result again = new StageRunner(new RunContext(spark, config, "x-1"))
        .run(new ScoreStage(ScoreStage.BatchStep.COLLECT)).result();
    assertThat(again.awaitingItems()).isZero();
    assertThat(expiring.stats().batchesCreated()).isEqualTo(3);
    assertThat(ctx.store().readRun(Table.SCORES, "x-1").filter(col("status").equalTo("error")).select("content_id")
        .distinct().count()).isEqualTo(errorItems);
  }

  /**
   * A batch in flight whose requests no longer ask what the run needs (here the model changed, so
   * every item's cache key did) is cancelled and not followed; the items go out anew, and its
   * answers never become rows.
   */
  @Test
  void aBatchThatAsksAboutAnotherModelIsCancelledAndItsItemsSentAnew() {
    EcolensConfig first = config("batch_superseded", sim, "score.openai.mode=batch");
    RunContext ctx = prepared(first, "m-1");
    sim.resetStats();
    new StageRunner(ctx).run(new ScoreStage(ScoreStage.BatchStep.SUBMIT));
    LlmSimulator.Stats before = sim.stats();
    assertThat(before.batchesCreated()).isEqualTo(1);
    try (LlmSimulator b = LlmSimulator.start(LlmSimulator.Settings.defaults().withModel("sim-model-b").withLatency(5)
        .withBatches(new LlmSimulator.BatchSettings(300, 0, 1.0)), PolicyLoader.load(Path.of("conf/policies/default.yaml")))) {
      EcolensConfig atB = config("batch_superseded", b, "score.openai.mode=batch", "score.openai.model=sim-model-b");
      StageRunners.score(new RunContext(spark, atB, "m-1"));
      assertThat(b.stats().batchesCreated()).as("the items sent anew, to the new model").isEqualTo(1);
    }
    List<Row> book = ctx.store().readRun(Table.LLM_BATCHES, "m-1").orderBy("submitted_at").collectAsList();
    assertThat(book).hasSize(2);
    assertThat((String) book.get(0).getAs("status")).isEqualTo("superseded");
    Dataset<Row> rows = ctx.store().readRun(Table.SCORES, "m-1");
    long items = ctx.store().readRun(Table.SAMPLES, "m-1").count();
    assertThat(rows.count()).isEqualTo(items * CATEGORIES);
    assertThat(rows.select("model").distinct().collectAsList()).extracting(r -> r.getString(0))
        .containsExactly("sim-model-b");
  }

  @Test
  void theProvidersRequestLimitSplitsTheRequestsIntoSeveralBatches() {
    EcolensConfig config = config("batch_split", sim, "score.openai.mode=batch", "score.openai.batch-max-requests=5");
    RunContext ctx = prepared(config, "p-1");
    StageRunners.score(ctx);
    long items = ctx.store().readRun(Table.SAMPLES, "p-1").count();
    long requests = (items + ITEMS_PER_REQUEST - 1) / ITEMS_PER_REQUEST;
    List<Row> batches = ctx.store().readRun(Table.LLM_BATCHES, "p-1").collectAsList();
    assertThat(batches).hasSize((int) ((requests + 4) / 5));
    assertThat(batches).allSatisfy(b -> assertThat((Long) b.getAs("request_count")).isBetween(1L, 5L));
    assertThat(ctx.store().readRun(Table.SCORES, "p-1").filter(col("status").equalTo("ok")).count())
        .isEqualTo(items * CATEGORIES);
  }

  /**
   * A folder endpoint for a self-hosted offline runner: {@code --submit} writes the JSONL, the
   * runner (here: each line's body sent to the simulator's chat endpoint, the answers written in
   * OpenAI's output format, as vLLM's run_batch writes them) answers it, {@code --collect} reads it.
   */
  @Test
  void aFolderOfBatchFilesServesAnOfflineRunner() throws Exception {
    Path folder = dir.resolve("offline-batches");
    EcolensConfig config = config("batch_folder", sim, "score.openai.mode=batch",
        "score.openai.endpoint=" + folder.toUri());
    RunContext ctx = prepared(config, "f-1");
    ScoreStage.Result submitted = new StageRunner(ctx).run(new ScoreStage(ScoreStage.BatchStep.SUBMIT)).result();
    long items = ctx.store().readRun(Table.SAMPLES, "f-1").count();
    assertThat(submitted.awaitingItems()).isEqualTo(items);
    ScoreStage.Result early = new StageRunner(new RunContext(spark, config, "f-1"))
        .run(new ScoreStage(ScoreStage.BatchStep.COLLECT)).result();
    assertThat(early.awaitingItems()).as("no output yet").isEqualTo(items);

    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<Path> inputs;
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(folder)) {
      inputs = files.filter(f -> f.toString().endsWith(".jsonl")).toList();
    }
    assertThat(inputs).hasSize(1);
    StringBuilder output = new StringBuilder();
    for (String line : java.nio.file.Files.readAllLines(inputs.get(0))) {
      com.fasterxml.jackson.databind.JsonNode request = json.readTree(line);
      java.net.http.HttpResponse<String> answer = http.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create(sim.endpoint() + "/chat/completions")).header("Content-Type", "application/json")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(request.get("body").toString())).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      com.fasterxml.jackson.databind.node.ObjectNode out = json.createObjectNode().put("id", "vllm-" + output.length())
          .put("custom_id", request.get("custom_id").asText());
      out.putObject("response").put("status_code", answer.statusCode()).put("request_id", "r")
          .set("body", json.readTree(answer.body()));
      out.putNull("error");
      output.append(out).append('\n');
    }
    String name = inputs.get(0).getFileName().toString();
    java.nio.file.Files.writeString(folder.resolve(name.substring(0, name.length() - ".jsonl".length()) + ".output.jsonl"),
        output);

    ScoreStage.Result collected = new StageRunner(new RunContext(spark, config, "f-1"))
        .run(new ScoreStage(ScoreStage.BatchStep.COLLECT)).result();
    assertThat(collected.awaitingItems()).isZero();
    Dataset<Row> rows = ctx.store().readRun(Table.SCORES, "f-1");
    assertThat(rows.filter(col("status").equalTo("ok")).count()).isEqualTo(items * CATEGORIES);
  }

  private static Map<String, String> verdicts(RunContext ctx, String runId) {
    Map<String, String> m = new TreeMap<>();
    for (Row r : ctx.store().readRun(Table.SCORES, runId).collectAsList()) {
      m.put(r.getAs("content_id") + "/" + r.getAs("category"), r.getAs("status") + " " + r.getAs("label") + " "
          + r.getAs("score") + " " + r.getAs("rationale"));
    }
    return m;
  }

  private static double cost(RunContext ctx, String runId) {
    return ctx.store().readRun(Table.SCORES, runId).agg(org.apache.spark.sql.functions.sum("cost_usd")).first()
        .getDouble(0);
  }

  private static Map<String, Double> scoreMetrics(RunContext ctx, String runId) {
    Map<String, Double> m = new TreeMap<>();
    for (Row r : ctx.store().readRun(Table.METRICS, runId).filter(col("report").equalTo("score")).collectAsList()) {
      m.put(r.getAs("metric"), r.getAs("value"));
    }
    return m;
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }
}
