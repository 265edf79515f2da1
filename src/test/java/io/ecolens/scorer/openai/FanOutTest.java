package io.ecolens.scorer.openai;

import io.ecolens.config.ResponseFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.config.OpenAiSettings;
import io.ecolens.EcolensException;
import io.ecolens.policy.Policy;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.Scored;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.simulator.LlmSimulator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The fan-out against the simulator on loopback: faults, the global cap, systemic failures. */
class FanOutTest {
  private static final Policy POLICY = PromptBuilderTest.POLICY;
  private static final int CATEGORIES = POLICY.categories().size();

  static List<ScoringItem> items(int n) {
    List<ScoringItem> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String text = POLICY.categories().get(i % CATEGORIES).examples().violating().isEmpty() || i % 3 == 0
          ? "cooking clip number " + i
          : POLICY.categories().get(i % CATEGORIES).examples().violating().get(0) + " #" + i;
      out.add(new ScoringItem("c" + i, "h" + i, "title " + i, text, null, List.of("tag" + (i % 7))));
    }
    return out;
  }

  static OpenAiSettings settings(String endpoint, int concurrency, int itemsPerRequest, int timeoutMs,
      String keyEnv) {
    return new OpenAiSettings(endpoint, "sim-model", keyEnv, timeoutMs, 6, concurrency, 0, 0, itemsPerRequest,
        1.0, 2.0, 0.0, 2048, ResponseFormat.JSON_SCHEMA, null, null);
  }

  @Test
  void withInjectedFaultsEveryItemEndsOkOrErrorWithAReasonNoneLostOrDuplicated() {
    LlmSimulator.Settings faults = LlmSimulator.Settings.defaults().withLatency(5)
        .withFaults(0.10, 0.05, 0.02, 0.03, 1_500, 0);
    try (LlmSimulator sim = LlmSimulator.start(faults, POLICY)) {
      OpenAiScorer scorer = new OpenAiScorer(settings(sim.endpoint(), 16, 5, 400, "NO_KEY_NEEDED"), POLICY);
      List<ScoringItem> items = items(600);
      List<Scored> scored = new ArrayList<>();
      scorer.fanOut(items.iterator(), new TaskShare(16, 0, 0), n -> { }).forEachRemaining(scored::add);

      Set<String> ids = new HashSet<>();
      for (Scored s : scored) {
        assertThat(ids.add(s.item().getContentId())).as("duplicate %s", s.item().getContentId()).isTrue();
        assertThat(s.scores()).hasSize(CATEGORIES);
        for (CategoryScore c : s.scores()) {
          if (c.error() == null) {
            assertThat(c.score()).isBetween(0.0, 1.0);
            assertThat(c.label()).isNotNull();
          } else {
            assertThat(c.error()).isNotBlank();
            assertThat(c.score()).isNull();
          }
          assertThat(c.attempts()).isBetween(1, 6);
        }
      }
      assertThat(ids).hasSize(items.size());
      LlmSimulator.Stats st = sim.stats();
      assertThat(st.injected429()).isPositive();
      assertThat(st.injected500()).isPositive();
      assertThat(st.timeouts()).isPositive();
      assertThat(st.malformed()).isPositive();
      long ok = scored.stream().filter(s -> s.scores().get(0).error() == null).count();
      assertThat(ok).as("retries recover nearly every item").isGreaterThan(items.size() * 95L / 100);
      assertThat(scored.stream().mapToLong(s -> s.scores().stream().mapToLong(CategoryScore::inputTokens).sum()).sum())
          .as("tokens billed across rows add up to at least what the simulator served for answered requests")
          .isPositive();
    }
  }

  @Test
  void theGlobalCapHoldsWithEightConcurrentPartitions() throws Exception {
    int cap = 12;
    LlmSimulator.Settings capped = LlmSimulator.Settings.defaults().withLatency(20).withCap(cap, true);
    try (LlmSimulator sim = LlmSimulator.start(capped, POLICY)) {
      OpenAiSettings s = settings(sim.endpoint(), cap, 2, 10_000, "NO_KEY_NEEDED");
      OpenAiScorer scorer = new OpenAiScorer(s, POLICY);
      List<ScoringItem> all = items(8 * 120);
      List<FanOut> partitions = new ArrayList<>();
      for (int p = 0; p < 8; p++) {
        partitions.add(scorer.fanOut(all.subList(p * 120, (p + 1) * 120).iterator(), TaskShare.of(s, 8, p), n -> { }));
      }
      List<String> done = scoreTogether(partitions).stream().flatMap(List::stream).toList();
      LlmSimulator.Stats st = sim.stats();
      assertThat(st.maxInFlight()).isLessThanOrEqualTo(cap).isGreaterThanOrEqualTo(8);
      assertThat(st.rejectedOverCap()).isZero();
      assertThat(new HashSet<>(done)).hasSize(all.size());
      assertThat(st.items()).isEqualTo(all.size());
    }
  }

  @Test
  void tasksOfOneScoringLendTheirUnusedShareAndNeverPassTheSumOfShares() throws Exception {
    int cap = 12;
    LlmSimulator.Settings capped = LlmSimulator.Settings.defaults().withLatency(300).withCap(cap, true);
    try (LlmSimulator sim = LlmSimulator.start(capped, POLICY)) {
      OpenAiSettings s = settings(sim.endpoint(), cap, 2, 10_000, "NO_KEY_NEEDED");
      OpenAiScorer scorer = new OpenAiScorer(s, POLICY);
      String group = InFlightPool.newGroup();
      int poolsBefore = InFlightPool.live();
      // task 0 has one request to send and then only waits for it: its other 5 of 6 are lent to task 1
      FanOut small = scorer.fanOut(items(2).iterator(), TaskShare.of(s, 2, 0), group, n -> { });
      FanOut large = scorer.fanOut(items(200).iterator(), TaskShare.of(s, 2, 1), group, n -> { });
      List<List<String>> scored = scoreTogether(List.of(small, large));
      assertThat(scored.get(0)).hasSize(2);
      assertThat(scored.get(1)).hasSize(200);
      LlmSimulator.Stats st = sim.stats();
      assertThat(st.maxInFlight()).as("task 1 used more than its own share of 6").isGreaterThan(6)
          .isLessThanOrEqualTo(cap);
      assertThat(st.rejectedOverCap()).isZero();
      assertThat(InFlightPool.live()).as("both tasks left: the pool is gone").isEqualTo(poolsBefore);
    }
  }

  @Test
  void aTaskThatFailsLeavesThePoolSoItsShareIsNotCountedTwice() {
    String group = InFlightPool.newGroup();
    InFlightPool failing = InFlightPool.join(group, 4);
    InFlightPool other = InFlightPool.join(group, 4);
    assertThat(other).isSameAs(failing);
    assertThat(other.capacity()).isEqualTo(8);
    Runnable never = () -> { };
    for (int i = 0; i < 8; i++) {
      assertThat(other.tryAcquire(never)).isTrue();
    }
    assertThat(other.tryAcquire(never)).as("full at the sum of the shares").isFalse();
    failing.leave(4); // its 4 requests still out stay counted until they answer
    assertThat(other.capacity()).isEqualTo(4);
    for (int i = 0; i < 4; i++) {
      other.release();
    }
    assertThat(other.tryAcquire(never)).as("4 in flight against a capacity of 4").isFalse();
    other.release();
    assertThat(other.tryAcquire(never)).isTrue();
    for (int i = 0; i < 4; i++) {
      other.release();
    }
    other.leave(4);
    InFlightPool again = InFlightPool.join(group, 1);
    assertThat(again).as("an idle pool left the registry").isNotSameAs(other);
    again.leave(1);
  }

  /** Runs each fan-out on a thread of its own, as concurrent Spark tasks would; the ids each scored. */
  private static List<List<String>> scoreTogether(List<FanOut> fanOuts) throws Exception {
    ExecutorService tasks = Executors.newFixedThreadPool(fanOuts.size());
    try {
      List<Future<List<String>>> futures = new ArrayList<>();
      for (FanOut f : fanOuts) {
        futures.add(tasks.submit(() -> {
          List<String> ids = new ArrayList<>();
          f.forEachRemaining(r -> ids.add(r.item().getContentId()));
          return ids;
        }));
      }
      List<List<String>> scored = new ArrayList<>();
      for (Future<List<String>> f : futures) {
        scored.add(f.get());
      }
      return scored;
    } finally {
      tasks.shutdown();
    }
  }

  @Test
  void refusedCredentialsStopWithAClearMessageThatHidesTheKey() {
    System.setProperty("ECOLENS_FANOUT_TEST_KEY", "sk-wrong-secret-4711");
    LlmSimulator.Settings locked = LlmSimulator.Settings.defaults().withLatency(1).withApiKey("sk-right");
    try (LlmSimulator sim = LlmSimulator.start(locked, POLICY)) {
      OpenAiSettings s = settings(sim.endpoint(), 4, 5, 5_000, "ECOLENS_FANOUT_TEST_KEY");
      assertThatThrownBy(() -> OpenAiScorer.preflight(s))
          .isInstanceOf(EcolensException.class)
          .hasMessageContaining("HTTP 401")
          .hasMessageContaining("ECOLENS_FANOUT_TEST_KEY")
          .message().doesNotContain("sk-wrong-secret-4711");
      FanOut fan = new OpenAiScorer(s, POLICY).fanOut(items(50).iterator(), new TaskShare(4, 0, 0), n -> { });
      assertThatThrownBy(() -> fan.forEachRemaining(x -> { }))
          .isInstanceOf(EcolensException.class)
          .hasMessageContaining("refused the credentials")
          .message().doesNotContain("sk-wrong-secret-4711");
      assertThat(sim.stats().requests()).isLessThanOrEqualTo(4);
    } finally {
      System.clearProperty("ECOLENS_FANOUT_TEST_KEY");
    }
  }

  @Test
  void anUnknownModelOrAnEndpointThatFailsEverythingStopsEarly() {
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(1)
        .withFaults(0, 1.0, 0, 0, 0, 0), POLICY)) {
      OpenAiSettings wrongModel = new OpenAiSettings(sim.endpoint(), "gpt-nonexistent", "NO_KEY_NEEDED", 5_000, 1,
          4, 0, 0, 1, 0.0, 0.0, 0.0, 1024, ResponseFormat.JSON_SCHEMA, null, null);
      assertThatThrownBy(() -> OpenAiScorer.preflight(wrongModel))
          .hasMessageContaining("does not serve model 'gpt-nonexistent'").hasMessageContaining("sim-model");

      OpenAiSettings oneAttempt = new OpenAiSettings(sim.endpoint(), "sim-model", "NO_KEY_NEEDED", 5_000, 1,
          4, 0, 0, 1, 0.0, 0.0, 0.0, 1024, ResponseFormat.JSON_SCHEMA, null, null);
      FanOut fan = new OpenAiScorer(oneAttempt, POLICY).fanOut(items(1_000).iterator(), new TaskShare(4, 0, 0),
          n -> { });
      assertThatThrownBy(() -> fan.forEachRemaining(x -> { }))
          .hasMessageContaining("items finished so far failed").hasMessageContaining("HTTP 500");
      assertThat(sim.stats().requests()).isLessThan(100);
    }
  }

  @Test
  void aSimulatorThatAnswersProseMakesEveryItemAnErrorRowWithTheSchemaReason() {
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(1)
        .withAnswers(LlmSimulator.Answers.UNUSABLE), POLICY)) {
      OpenAiSettings twoAttempts = new OpenAiSettings(sim.endpoint(), "sim-model", "NO_KEY_NEEDED", 5_000, 2,
          4, 0, 0, 4, 0.0, 0.0, 0.0, 1024, ResponseFormat.JSON_SCHEMA, null, null);
      List<Scored> scored = new ArrayList<>();
      new OpenAiScorer(twoAttempts, POLICY).fanOut(items(12).iterator(), new TaskShare(4, 0, 0), n -> { })
          .forEachRemaining(scored::add);
      assertThat(scored).hasSize(12);
      for (Scored s : scored) {
        assertThat(s.scores()).hasSize(CATEGORIES).allSatisfy(c -> assertThat(c.error())
            .isEqualTo("malformed answer: not a JSON object with an 'items' array (after 2 attempts)"));
      }
      assertThat(sim.stats().ok()).isZero();
      assertThat(sim.stats().malformed()).isEqualTo(sim.stats().requests());
      assertThat(sim.stats().completionTokens()).isPositive();
    }
  }

  @Test
  void aTaskInWhichNearlyEveryItemFailsStopsWithTheScoringExitCodeAndTheMostCommonReason() {
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(1)
        .withAnswers(LlmSimulator.Answers.UNUSABLE), POLICY)) {
      OpenAiSettings oneAttempt = new OpenAiSettings(sim.endpoint(), "sim-model", "NO_KEY_NEEDED", 5_000, 1,
          4, 0, 0, 4, 0.0, 0.0, 0.0, 1024, ResponseFormat.JSON_SCHEMA, null, null);
      FanOut fan = new OpenAiScorer(oneAttempt, POLICY).fanOut(items(1_000).iterator(), new TaskShare(4, 0, 0),
          n -> { });
      assertThatThrownBy(() -> fan.forEachRemaining(x -> { }))
          .isInstanceOf(EcolensException.class)
          .hasMessageStartingWith("Scoring failed systemically: ")
          .hasMessageContaining("items finished so far failed")
          .hasMessageContaining("most common error")
          .hasMessageContaining("not a JSON object with an 'items' array")
          .hasMessageContaining("score.openai.response-format")
          .satisfies(e -> assertThat(((EcolensException) e).exitCode()).isEqualTo(6));
      assertThat(sim.stats().requests()).isLessThan(100);
    }
  }
}
