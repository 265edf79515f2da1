package io.ecolens.bench;

import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.spark.CommonPool;
import io.ecolens.scorer.openai.OpenAiScorer;
import io.ecolens.config.OpenAiSettings;
import io.ecolens.scorer.openai.TaskShare;
import io.ecolens.simulator.LlmSimulator;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * {@code jobs/bench.sh fanout}: the openai fan-out against the simulator on loopback at a fixed
 * latency and several concurrency caps, next to naive synchronous scoring (one request in flight
 * per task). The limit at a cap is cap / latency requests per second; the ratio is achieved
 * requests per second over that limit, measured largest cap first after a warm-up (see
 * {@link #warmUp}) that lets the JIT compile the hot paths; "cpu-bound" is the ratio the cores
 * would allow at the CPU measured per request (client and simulator share this JVM and the
 * machine); "rtt ms" is the mean round trip the client saw. Prints tokens per item at 1, 10 and 20
 * items per request.
 * The last line is {@code RESULT fanout_min_ratio <value>}.
 */
public final class FanoutBench {
  private FanoutBench() {}

  public static void main(String[] args) throws Exception {
    CommonPool.widen();
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
        case "--caps" -> caps = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
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
        itemsPerRequest, latencyMs, tasks, Runtime.getRuntime().availableProcessors(), Arrays.toString(caps));
    System.out.printf("%-6s %-6s %8s %10s %10s %10s %7s %8s %20s %9s %9s %7s%n", "cap", "mode", "items", "seconds",
        "items/s", "req/s", "limit", "ratio", "cpu ms/req", "cpu-bound", "rtt ms", "queued");
    // Largest cap first, straight after the warm-up at that cap: the JIT compiles for the traffic it
    // has seen, and a new pattern (a smaller cap, one request in flight) sets it compiling again.
    int[] order = Arrays.stream(caps).boxed().sorted(Comparator.reverseOrder()).mapToInt(Integer::intValue).toArray();
    Map<Integer, Double> ratios = new LinkedHashMap<>();
    for (int cap : order) {
      try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(latencyMs)
          .withCap(cap, false), policy)) {
        // one scorer per cap, as one per executor JVM in a job
        OpenAiSettings s = settings(sim.endpoint(), cap, itemsPerRequest);
        OpenAiScorer scorer = new OpenAiScorer(s, policy);
        if (cap == order[0]) {
          warmUp(scorer, s, corpus.subList(0, items), tasks, warmupItems);
        } else {
          run(scorer, s, corpus.subList(0, Math.min(items, cap * itemsPerRequest * 3)), tasks); // opens connections
        }
        sim.resetStats();
        CpuClock cpu = CpuClock.start();
        Pass fan = run(scorer, s, corpus.subList(0, items), tasks);
        ratios.put(cap, print(cap, "fanout", items, fan, sim, cap * 1000.0 / latencyMs, cpu.split()));
      }
    }
    // Naive: one request in flight per task, whatever the cap; its ratio is to each cap's limit.
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(latencyMs), policy)) {
      OpenAiSettings naive = settings(sim.endpoint(), tasks, itemsPerRequest);
      CpuClock cpu = CpuClock.start();
      Pass pass = run(new OpenAiScorer(naive, policy), naive, corpus.subList(0, naiveItems), tasks);
      CpuClock.Split used = cpu.split();
      for (int cap : caps) {
        print(cap, "naive", naiveItems, pass, sim, cap * 1000.0 / latencyMs, used);
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
    System.out.printf("RESULT fanout_min_ratio %.3f%n", ratios.values().stream().min(Double::compare).orElseThrow());
  }

  private static OpenAiSettings settings(String endpoint, int concurrency, int itemsPerRequest) {
    return new OpenAiSettings(endpoint, "sim-model", "ECOLENS_BENCH_NO_KEY", 60_000, 6, concurrency, 0, 0,
        itemsPerRequest, null, null, null, null, null, null, null);
  }

  /** One timed pass: its wall time and the mean round trip the client saw per item. */
  private record Pass(double seconds, double meanRttMs) {}

  /**
   * Scores passes of {@code items} at the largest cap until at least {@code minItems} are done and
   * the JIT has spent under a tenth of two passes in a row compiling (5 minutes at most): a scoring
   * job runs for hours, so its steady state, not the JVM's first minute, is what the ratios show.
   */
  private static void warmUp(OpenAiScorer scorer, OpenAiSettings s, List<ScoringItem> items, int tasks, int minItems)
      throws Exception {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    CpuClock cpu = CpuClock.start();
    long start = System.nanoTime();
    int done = 0;
    int quietPasses = 0;
    while (done < minItems || (quietPasses < 2 && System.nanoTime() - start < TimeUnit.MINUTES.toNanos(5))) {
      long compiling = jit.getTotalCompilationTime();
      Pass pass = run(scorer, s, items, tasks);
      double share = (jit.getTotalCompilationTime() - compiling) / 1000.0 / pass.seconds();
      quietPasses = share < 0.10 ? quietPasses + 1 : 0;
      done += items.size();
    }
    System.out.printf("warm-up: %,d items at cap %d in %.0f s (%.1f s of CPU), until the JIT was quiet%n", done,
        s.maxConcurrency(), (System.nanoTime() - start) / 1e9, cpu.split().processMs() / 1000);
  }

  private static double print(int cap, String mode, int n, Pass pass, LlmSimulator sim, double limit,
      CpuClock.Split used) {
    LlmSimulator.Stats st = sim.stats();
    double rps = st.requests() / pass.seconds();
    double ratio = rps / limit;
    double cpuMsPerRequest = used.processMs() / st.requests();
    // the ratio this machine's cores allow at that CPU cost, client and simulator together
    double cpuBound = Runtime.getRuntime().availableProcessors() * 1000.0 / cpuMsPerRequest / limit;
    System.out.printf("%-6d %-6s %8d %10.2f %10.1f %10.1f %7.0f %8.3f %9.2f (sim %4.2f) %9.2f %9.1f %7d%n", cap,
        mode, n, pass.seconds(), n / pass.seconds(), rps, limit, ratio, cpuMsPerRequest,
        used.simulatorMs() / st.requests(), cpuBound, pass.meanRttMs(), st.queuedForSlot());
    return ratio;
  }

  /** Scores {@code items} in {@code tasks} threads sharing the limits like Spark tasks. */
  private static Pass run(OpenAiScorer scorer, OpenAiSettings s, List<ScoringItem> items, int tasks)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks);
    AtomicLong errors = new AtomicLong();
    DoubleAdder rtt = new DoubleAdder();
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
        rtt.add(r.scores().get(0).latencyMs());
      })));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    if (errors.get() > 0) {
      System.out.printf("  (%d items failed)%n", errors.get());
    }
    return new Pass(seconds, rtt.sum() / items.size());
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
