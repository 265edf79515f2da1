package io.ecolens.simulator;

import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.score.ScoringItem;
import io.ecolens.score.openai.OpenAiScorer;
import io.ecolens.score.openai.OpenAiSettings;
import io.ecolens.score.openai.TaskShare;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code jobs/bench.sh fanout}: the openai fan-out against the simulator on loopback at a fixed
 * latency and several concurrency caps, next to naive synchronous scoring (one request in flight
 * per task). The limit at a cap is cap / latency requests per second; the ratio is achieved
 * requests per second over that limit, measured after a warm-up ({@code --warmup-items}, 60,000)
 * that lets the JIT compile the hot paths; "cpu-bound" is the ratio the cores would allow at the CPU
 * measured per request (client and simulator share this JVM and the machine). Prints tokens per
 * item at 1, 10 and 20 items per request.
 * The last line is {@code RESULT fanout_min_ratio <value>}.
 */
public final class FanoutBench {
  private FanoutBench() {}

  public static void main(String[] args) throws Exception {
    int items = 20_000;
    long latencyMs = 200;
    int[] caps = {16, 64, 256};
    int itemsPerRequest = 10;
    int tasks = 2;
    int naiveItems = 2_000;
    int warmupItems = 60_000;
    String policyPath = "conf/policies/default.yaml";
    for (int i = 0; i < args.length - 1; i += 2) {
      switch (args[i]) {
        case "--items" -> items = Integer.parseInt(args[i + 1]);
        case "--latency-ms" -> latencyMs = Long.parseLong(args[i + 1]);
        case "--caps" -> caps = java.util.Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--items-per-request" -> itemsPerRequest = Integer.parseInt(args[i + 1]);
        case "--tasks" -> tasks = Integer.parseInt(args[i + 1]);
        case "--naive-items" -> naiveItems = Integer.parseInt(args[i + 1]);
        case "--warmup-items" -> warmupItems = Integer.parseInt(args[i + 1]);
        case "--policy" -> policyPath = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Policy policy = PolicyLoader.load(Path.of(policyPath));
    List<ScoringItem> corpus = corpus(policy, Math.max(items, naiveItems));
    System.out.printf("fanout: %,d items, %d items/request, latency %d ms, %d tasks, %d cores, caps %s%n", items,
        itemsPerRequest, latencyMs, tasks, Runtime.getRuntime().availableProcessors(), java.util.Arrays.toString(caps));
    System.out.printf("%-6s %-6s %8s %10s %10s %10s %7s %8s %20s %9s%n", "cap", "mode", "items", "seconds", "items/s",
        "req/s", "limit", "ratio", "cpu ms/req", "cpu-bound");
    // Warm-up at the largest cap until the JIT has compiled the client, the simulator and the JDK's
    // HTTP stacks: a scoring job runs for hours, so its steady state is what the ratios should show.
    int maxCap = java.util.Arrays.stream(caps).max().orElse(16);
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(latencyMs)
        .withCap(maxCap, false), policy)) {
      OpenAiSettings s = settings(sim.endpoint(), maxCap, itemsPerRequest);
      OpenAiScorer scorer = new OpenAiScorer(s, policy);
      CpuClock cpu = CpuClock.start();
      for (int done = 0; done < warmupItems; done += items) {
        run(scorer, s, corpus.subList(0, Math.min(items, warmupItems - done)), tasks);
      }
      System.out.printf("warm-up: %,d items at cap %d, %.1f s of CPU%n", warmupItems, maxCap,
          cpu.split().processMs() / 1000);
    }
    double minRatio = Double.MAX_VALUE;
    for (int cap : caps) {
      try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(latencyMs)
          .withCap(cap, false), policy)) {
        // one scorer per cap, as one per executor JVM in a job: the warm-up opens its connections
        OpenAiSettings s = settings(sim.endpoint(), cap, itemsPerRequest);
        OpenAiScorer scorer = new OpenAiScorer(s, policy);
        double limit = cap * 1000.0 / latencyMs;
        run(scorer, s, corpus.subList(0, Math.min(items, cap * itemsPerRequest * 3)), tasks); // warm-up
        sim.resetStats();
        CpuClock cpu = CpuClock.start();
        double fan = run(scorer, s, corpus.subList(0, items), tasks);
        double ratio = print(cap, "fanout", items, fan, sim, limit, cpu);
        minRatio = Math.min(minRatio, ratio);
        sim.resetStats();
        cpu = CpuClock.start();
        OpenAiSettings naiveSettings = settings(sim.endpoint(), tasks, itemsPerRequest);
        double naive = run(new OpenAiScorer(naiveSettings, policy), naiveSettings, corpus.subList(0, naiveItems), tasks);
        print(cap, "naive", naiveItems, naive, sim, limit, cpu);
      }
    }
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(5), policy)) {
      for (int perRequest : new int[] {1, 10, 20}) {
        sim.resetStats();
        OpenAiSettings tokenSettings = settings(sim.endpoint(), 16, perRequest);
        run(new OpenAiScorer(tokenSettings, policy), tokenSettings, corpus.subList(0, 400), 1);
        LlmSimulator.Stats st = sim.stats();
        System.out.printf("tokens/item at %2d items/request: %.0f input + %.0f output%n", perRequest,
            st.promptTokens() / (double) st.items(), st.completionTokens() / (double) st.items());
      }
    }
    System.out.printf("RESULT fanout_min_ratio %.3f%n", minRatio);
  }

  private static OpenAiSettings settings(String endpoint, int concurrency, int itemsPerRequest) {
    return new OpenAiSettings(endpoint, "sim-model", "ECOLENS_BENCH_NO_KEY", 60_000, 6, concurrency, 0, 0,
        itemsPerRequest, null, null, null, null, null, null, null);
  }

  private static double print(int cap, String mode, int n, double seconds, LlmSimulator sim, double limit,
      CpuClock cpu) {
    LlmSimulator.Stats st = sim.stats();
    double rps = st.requests() / seconds;
    double ratio = rps / limit;
    CpuClock.Split used = cpu.split();
    double cpuMsPerRequest = used.processMs() / st.requests();
    // the ratio this machine's cores allow at that CPU cost, client and simulator together
    double cpuBound = Runtime.getRuntime().availableProcessors() * 1000.0 / cpuMsPerRequest / limit;
    System.out.printf("%-6d %-6s %8d %10.2f %10.1f %10.1f %7.0f %8.3f %9.2f (sim %4.2f) %9.2f%n", cap, mode, n,
        seconds, n / seconds, rps, limit, ratio, cpuMsPerRequest, used.simulatorMs() / st.requests(), cpuBound);
    return ratio;
  }

  /** Scores {@code items} in {@code tasks} threads sharing the limits like Spark tasks; returns seconds. */
  private static double run(OpenAiScorer scorer, OpenAiSettings s, List<ScoringItem> items, int tasks)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks);
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    int per = (items.size() + tasks - 1) / tasks;
    for (int t = 0; t < tasks; t++) {
      List<ScoringItem> part = items.subList(Math.min(items.size(), t * per), Math.min(items.size(), (t + 1) * per));
      TaskShare share = TaskShare.of(s, tasks, t);
      futures.add(pool.submit(() -> scorer.fanOut(part.iterator(), share, n -> { }).forEachRemaining(r -> {
        if (r.scores().get(0).error() != null) {
          errors.incrementAndGet();
        }
      })));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    if (errors.get() > 0) {
      System.out.printf("  (%d items failed)%n", errors.get());
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static List<ScoringItem> corpus(Policy policy, int n) {
    List<String> phrases = new ArrayList<>();
    for (Policy.Category c : policy.categories()) {
      phrases.addAll(c.examples().violating());
      phrases.addAll(c.examples().allowed());
    }
    List<ScoringItem> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String text = i % 2 == 0 ? "day " + i + " of my cooking series, today pasta" : phrases.get(i % phrases.size());
      out.add(new ScoringItem("b" + i, "h" + i, "clip " + i, text, "transcript of clip " + i + " " + text,
          List.of("fyp", "tag" + (i % 13))));
    }
    return out;
  }
}
