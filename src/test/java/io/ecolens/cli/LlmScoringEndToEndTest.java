package io.ecolens.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.generate.CorpusGenerator;
import io.ecolens.run.RunContext;
import io.ecolens.score.ScoreStage;
import io.ecolens.simulator.LlmSimulator;
import io.ecolens.tables.Table;
import io.ecolens.tables.TableStore;
import io.ecolens.testing.DemoRuns;
import io.ecolens.testing.SparkTest;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * The openai scorer through the score stage against the simulator on loopback: a run stopped by
 * its budget cap and resumed re-sends no committed item, a rerun sends nothing, another run reuses
 * the cache, faults never lose or duplicate rows, and the API key appears nowhere ecolens writes.
 */
@Tag("slow")
class LlmScoringEndToEndTest extends SparkTest {
  private static final int ROWS = 300;
  private static final int CATEGORIES = 10;
  private static final String KEY_ENV = "ECOLENS_E2E_LLM_KEY";
  private static final String KEY = "sk-e2e-secret-do-not-leak-9231";
  @TempDir static Path dir;
  private static LlmSimulator sim;
  private static LlmSimulator faulty;
  private static TableStore store;
  private static final StringWriter LOGS = new StringWriter();
  private static WriterAppender appender;

  private static long itemsInRun;
  private static ScoreStage.Estimate estimate;
  private static ScoreStage.Result capped;
  private static long committedAfterCap;
  private static LlmSimulator.Stats afterCap;
  private static ScoreStage.Result resumed;
  private static LlmSimulator.Stats afterResume;
  private static LlmSimulator.Stats afterRerun;
  private static LlmSimulator.Stats afterNewRun;
  private static String refusedMessage;

  private static EcolensConfig config(String endpoint, String model, double maxCost, List<String> more) {
    List<String> sets = DemoRuns.demoCorpus(dir, ROWS, "llm");
    sets.addAll(List.of(
        "sample.size=60",
        "sample.strata=[format]",
        "score.scorer=openai",
        "score.max-cost=" + maxCost,
        "score.openai.endpoint=" + endpoint,
        "score.openai.model=" + model,
        "score.openai.api-key-env=" + KEY_ENV,
        "score.openai.items-per-request=4",
        "score.openai.commit-every=20",
        "score.openai.max-concurrency=8",
        "score.openai.partitions=4",
        // generous: a loaded machine must not time out (and so re-send) a request the simulator answered;
        // the fault-injection case sets 1000 ms below its simulator's 2,500 ms hangs
        "score.openai.timeout-ms=60000",
        "score.openai.input-price-per-million=2.5",
        "score.openai.output-price-per-million=10"));
    sets.addAll(more);
    return ConfigLoader.load(Path.of("conf/local.yaml"), sets);
  }

  private static RunContext prepared(EcolensConfig config, String runId) {
    RunContext ctx = new RunContext(spark, config, runId);
    StageRunners.ingest(ctx);
    StageRunners.sample(ctx);
    return ctx;
  }

  /** The content and sample of run {@code from}, copied under run {@code to} (no second ingest). */
  private static RunContext copied(EcolensConfig config, String from, String to) {
    RunContext ctx = new RunContext(spark, config, to);
    for (Table t : List.of(Table.CONTENT, Table.SAMPLES)) {
      ctx.store().copyRun(t, from, to);
    }
    return ctx;
  }

  @BeforeAll
  static void scoreStopResumeRerun() {
    LoggerContext logs = (LoggerContext) LogManager.getContext(false);
    appender = WriterAppender.newBuilder().setName("key-leak-check").setTarget(LOGS)
        .setLayout(PatternLayout.newBuilder().withPattern("%p %c %m%n%ex").build()).build();
    appender.start();
    logs.getConfiguration().addAppender(appender);
    logs.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
    Configurator.setLevel("io.ecolens", Level.INFO);
    logs.updateLoggers();

    System.setProperty(KEY_ENV, KEY);
    sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(5).withCap(8, true).withApiKey(KEY),
        io.ecolens.policy.PolicyLoader.load(Path.of("conf/policies/default.yaml")));
    EcolensConfig full = config(sim.endpoint(), "sim-model", 0.0, List.of());
    CorpusGenerator.execute(spark, full.generate(), new RunContext(spark, full, "gen").policy());

    RunContext first = prepared(full, "llm-1");
    store = first.store();
    estimate = new ScoreStage().estimate(first);
    itemsInRun = estimate.items();
    assertThat(sim.stats().requests()).as("estimate sends nothing").isZero();

    // 1. a budget that buys about 40% of the run: stops cleanly between chunks
    EcolensConfig cappedConfig = config(sim.endpoint(), "sim-model", estimate.costUsd() * 0.4, List.of());
    capped = StageRunners.score(new RunContext(spark, cappedConfig, "llm-1"));
    committedAfterCap = store.readRun(Table.SCORES, "llm-1").select("content_id").distinct().count();
    afterCap = sim.stats();
    // 2. the same run again with no cap: only the rest is sent
    resumed = StageRunners.score(new RunContext(spark, full, "llm-1"));
    afterResume = sim.stats();
    // 3. once more: nothing to send
    StageRunners.score(new RunContext(spark, full, "llm-1"));
    afterRerun = sim.stats();
    // 4. a new run over the same items: everything from the cache
    StageRunners.score(copied(full, "llm-1", "llm-2"));
    afterNewRun = sim.stats();
    StageRunners.evaluate(first);
    StageRunners.report(first);

    // 5. a wrong key: the stage fails, the ledger records why
    System.setProperty("ECOLENS_E2E_WRONG_KEY", KEY + "-wrong");
    // (another model name, so that the items are not all served from llm-1's cache)
    EcolensConfig wrong = config(sim.endpoint(), "sim-other", 0.0, List.of("score.openai.api-key-env=ECOLENS_E2E_WRONG_KEY"));
    try {
      StageRunners.score(copied(wrong, "llm-1", "llm-refused"));
    } catch (RuntimeException e) {
      refusedMessage = e.getMessage();
    }
  }

  @AfterAll
  static void stop() {
    sim.close();
    if (faulty != null) {
      faulty.close();
    }
    LoggerContext logs = (LoggerContext) LogManager.getContext(false);
    logs.getConfiguration().getRootLogger().removeAppender("key-leak-check");
    logs.updateLoggers();
    System.clearProperty(KEY_ENV);
    System.clearProperty("ECOLENS_E2E_WRONG_KEY");
  }

  @Test
  void theBudgetCapStopsCleanlyAndTheResumeSendsOnlyWhatWasNotCommitted() {
    assertThat(itemsInRun).isBetween(40L, 120L);
    assertThat(estimate.requests()).isEqualTo((itemsInRun + 3) / 4);
    assertThat(capped.deferredItems()).isPositive();
    assertThat(committedAfterCap).isPositive().isEqualTo(itemsInRun - capped.deferredItems());
    assertThat(capped.costUsd()).isLessThanOrEqualTo(estimate.costUsd() * 0.4);
    // no faults here: every committed item was sent exactly once, and the resume sent only the rest
    assertThat(afterCap.items()).isEqualTo(committedAfterCap);
    assertThat(afterResume.items()).isEqualTo(itemsInRun);
    assertThat(afterResume.distinctItems()).isEqualTo(itemsInRun);
    assertThat(resumed.deferredItems()).isZero();
    assertThat(store.readRun(Table.SCORES, "llm-1").count()).isEqualTo(itemsInRun * CATEGORIES);
    assertThat(store.readRun(Table.SCORES, "llm-1").filter("status <> 'ok'").count()).isZero();
    assertThat(store.readRun(Table.SCORES, "llm-1").select("content_id", "category").distinct().count())
        .isEqualTo(itemsInRun * CATEGORIES);
  }

  @Test
  void aRerunAndANewRunOfTheSameCorpusSendNothing() {
    assertThat(afterRerun.requests()).isEqualTo(afterResume.requests());
    assertThat(afterNewRun.requests()).isEqualTo(afterResume.requests());
    assertThat(store.readRun(Table.SCORES, "llm-1").count()).isEqualTo(itemsInRun * CATEGORIES);
    assertThat(store.readRun(Table.SCORES, "llm-2").filter("status = 'cached'").count())
        .isEqualTo(itemsInRun * CATEGORIES);
  }

  @Test
  void tokensAndCostReachScoresAndRunsAndTheCapWasNeverExceeded() {
    Row run = store.readRun(Table.RUNS, "llm-1").first();
    Row sums = sql("SELECT sum(input_tokens), sum(output_tokens), sum(cost_usd) FROM llm.scores WHERE run_id = 'llm-1'")
        .first();
    assertThat((Long) run.getAs("input_tokens")).isPositive().isEqualTo(sums.getLong(0));
    assertThat((Long) run.getAs("output_tokens")).isPositive().isEqualTo(sums.getLong(1));
    assertThat((Double) run.getAs("cost_usd")).isPositive().isCloseTo(sums.getDouble(2),
        org.assertj.core.data.Offset.offset(1e-9));
    assertThat(sums.getLong(0)).isEqualTo(afterResume.promptTokens());
    assertThat(sim.stats().maxInFlight()).isLessThanOrEqualTo(8);
    assertThat(sim.stats().rejectedOverCap()).isZero();
  }

  @Test
  void withInjectedFaultsEveryItemEndsOkOrErrorOnceWithAReason() {
    // another model name, so that nothing comes from the cache of the other runs
    faulty = LlmSimulator.start(new LlmSimulator.Settings(0, "sim-faulty", 5, 0, false, 0, 0.10, 0.05, 0.02, 0.03,
        2_500, 0, KEY, 7), io.ecolens.policy.PolicyLoader.load(Path.of("conf/policies/default.yaml")));
    EcolensConfig config = config(faulty.endpoint() + "/", "sim-faulty", 0.0, List.of("score.openai.max-attempts=6",
        "score.openai.timeout-ms=1000"));
    RunContext ctx = copied(config, "llm-1", "llm-faults");
    ScoreStage.Result r = StageRunners.score(ctx);
    assertThat(faulty.stats().injected429() + faulty.stats().injected500() + faulty.stats().timeouts()
        + faulty.stats().malformed()).isPositive();
    assertThat(r.cachedItems()).isZero();
    assertThat(store.readRun(Table.SCORES, "llm-faults").count()).isEqualTo(itemsInRun * CATEGORIES);
    assertThat(store.readRun(Table.SCORES, "llm-faults").select("content_id", "category").distinct().count())
        .isEqualTo(itemsInRun * CATEGORIES);
    assertThat(store.readRun(Table.SCORES, "llm-faults")
        .filter("NOT ((status = 'ok' AND score IS NOT NULL) OR (status = 'error' AND length(error) > 0))").count())
        .isZero();
  }

  @Test
  void itemsThatEndedInErrorAreSentAgainByTheNextRunUnderANewOrTheSameRunId() {
    io.ecolens.policy.Policy policy = io.ecolens.policy.PolicyLoader.load(Path.of("conf/policies/default.yaml"));
    List<String> oneAttempt = List.of("score.openai.max-attempts=1", "score.openai.items-per-request=1");
    // model names of their own, so that nothing comes from the cache of the other runs
    for (String model : List.of("sim-retry-new-run", "sim-retry-same-run")) {
      try (LlmSimulator failing = LlmSimulator.start(new LlmSimulator.Settings(0, model, 2, 0, false, 0, 0, 0.3,
              0, 0, 0, 0, KEY, 11), policy);
          LlmSimulator healthy = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(2)
              .withApiKey(KEY).withModel(model), policy)) {
        String run = "llm-" + model;
        StageRunners.score(copied(config(failing.endpoint(), model, 0.0, oneAttempt), "llm-1", run));
        long errorItems = store.readRun(Table.SCORES, run).filter("status = 'error'")
            .select("content_id").distinct().count();
        assertThat(errorItems).as("a 30%% failure rate with one attempt leaves error rows").isPositive()
            .isLessThan(itemsInRun);
        EcolensConfig clean = config(healthy.endpoint(), model, 0.0, oneAttempt);

        if (model.equals("sim-retry-new-run")) {
          // another run id: the ok rows come from the cache, the errored items are sent again
          ScoreStage.Result other = StageRunners.score(copied(clean, "llm-1", run + "-2"));
          assertThat(healthy.stats().items()).isEqualTo(errorItems);
          assertThat(other.cachedItems()).isEqualTo(itemsInRun - errorItems);
          assertThat(other.errorRows()).isZero();
          continue;
        }
        // the same run id: only its errored items are sent again, and their error rows are replaced
        ScoreStage.Result same = StageRunners.score(new RunContext(spark, clean, run));
        assertThat(healthy.stats().items()).isEqualTo(errorItems);
        assertThat(healthy.stats().distinctItems()).isEqualTo(errorItems);
        assertThat(same.errorRows()).isZero();
        Dataset<Row> rows = store.readRun(Table.SCORES, run);
        assertThat(rows.count()).isEqualTo(itemsInRun * CATEGORIES);
        assertThat(rows.select("content_id", "category").distinct().count()).isEqualTo(itemsInRun * CATEGORIES);
        assertThat(rows.filter("status <> 'ok'").count()).isZero();

        // and once every item is ok, a rerun sends nothing
        healthy.resetStats();
        StageRunners.score(new RunContext(spark, clean, run));
        assertThat(healthy.stats().requests()).isZero();
      }
    }
  }

  @Test
  void theApiKeyAppearsNowhereEcolensWrites() throws IOException {
    assertThat(refusedMessage).contains("HTTP 401").doesNotContain(KEY);
    Row refused = store.readRun(Table.RUNS, "llm-refused").first();
    assertThat((String) refused.getAs("status")).isEqualTo("failed");
    assertThat((String) refused.getAs("error")).contains("refused the credentials");
    for (Row run : store.read(Table.RUNS).collectAsList()) {
      assertThat(run.mkString("|")).doesNotContain(KEY);
    }
    assertThat(store.read(Table.SCORES).filter(org.apache.spark.sql.functions.col("error").contains(KEY)
        .or(org.apache.spark.sql.functions.col("rationale").contains(KEY))).count()).isZero();
    List<Path> reports;
    try (Stream<Path> files = Files.walk(dir.resolve("reports"))) {
      reports = files.filter(Files::isRegularFile).toList();
    }
    assertThat(reports).isNotEmpty();
    for (Path f : reports) {
      assertThat(Files.readString(f)).as(f.toString()).doesNotContain(KEY);
    }
    String logged = LOGS.toString();
    assertThat(logged).contains("score:").doesNotContain(KEY);
  }
}
