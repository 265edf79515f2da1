package io.ecolens.bench;

import io.ecolens.config.Choice;
import io.ecolens.config.EmbeddingModel;
import io.ecolens.config.ScorerType;
import io.ecolens.datasets.Davidson;
import io.ecolens.embedding.Embedder;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.score.ScorerSpec;
import io.ecolens.scorer.PartitionScorer;
import io.ecolens.scorer.ScoreRow;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.embedded.EmbeddedSpec;
import io.ecolens.testing.TestSpark;
import io.ecolens.train.ReferenceExport;
import io.ecolens.train.TrainStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmarks of the embedded scorer. {@code ratio}: items/s of the scorer inside a Spark
 * mapPartitions pipeline (local[T], T partitions, batches of B) against the same model, batch size
 * and thread count in a plain loop of T threads, in the same JVM; raw is measured before and
 * after the pipeline and averaged. {@code davidson}: zero-shot and trained F1/AUPRC on the full
 * Davidson set for each in-process model, next to scikit-learn. Run by jobs/bench.sh.
 */
public final class EmbeddedBench {
  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "ratio";
    switch (mode) {
      case "ratio" -> ratio(Integer.getInteger("bench.items", 3000), Integer.getInteger("bench.batch", 64),
          Integer.getInteger("bench.threads", Runtime.getRuntime().availableProcessors()));
      case "davidson" -> davidson();
      default -> throw new IllegalArgumentException("unknown benchmark: " + mode + " (ratio | davidson)");
    }
    System.exit(0);
  }

  /**
   * Each in-process model of {@code bench.davidson.models} (default all) over the same tweets:
   * zero-shot and trained quality, the scikit-learn reference on the same vectors and folds, and
   * the score stage's items/s; then one table comparing them.
   */
  private static void davidson() throws Exception {
    Path datasets = Davidson.datasets();
    if (datasets == null) {
      System.out.println("SKIP davidson: " + Davidson.CSV + " not found under -Decolens.shared.datasets");
      return;
    }
    double fraction = Double.parseDouble(System.getProperty("bench.davidson.fraction", "1.0"));
    List<String> sets = System.getProperty("bench.davidson.sets", "").isBlank() ? List.of()
        : List.of(System.getProperty("bench.davidson.sets").split(";"));
    List<EmbeddingModel> models = new ArrayList<>();
    for (String id : System.getProperty("bench.davidson.models", Choice.ids(EmbeddingModel.values())).split(",")) {
      models.add(EmbeddingModel.of(id.trim()));
    }
    int fewLabels = Integer.getInteger("bench.davidson.calibration-items", 100);
    Map<EmbeddingModel, Davidson.Figures> figures = new LinkedHashMap<>();
    Map<EmbeddingModel, Map<String, String>> references = new LinkedHashMap<>();
    Map<EmbeddingModel, Map<String, Double>> calibrated = new LinkedHashMap<>();
    for (EmbeddingModel model : models) {
      Path dir = Files.createTempDirectory("ecolens-bench-davidson");
      List<String> modelSets = new ArrayList<>(sets);
      modelSets.add("score.embedded.model=" + model.id());
      Davidson.Figures f = Davidson.run(TestSpark.session(), datasets, dir, fraction,
          "davidson_bench_" + model.name().toLowerCase(Locale.ROOT), 5, modelSets);
      System.out.println("== " + model);
      System.out.print(f.describe());
      System.out.printf(Locale.ROOT, "davidson pipeline (ingest, sample, score, evaluate, train) %.1f s, score %.1f s, "
          + "%d tweets (fraction %.2f)%n", f.seconds(), f.scoreSeconds(), f.items(), fraction);
      String key = model == EmbeddingModel.MINILM ? "" : model.name().toLowerCase(Locale.ROOT) + "_";
      for (String c : Davidson.CATEGORIES) {
        double[] z = f.zeroShot().get(c);
        TrainStage.Fit t = f.trained().get(c);
        System.out.printf(Locale.ROOT, "RESULT davidson_%s%s_zero_shot_f1 %.4f%n", key, c, z[0]);
        System.out.printf(Locale.ROOT, "RESULT davidson_%s%s_zero_shot_auprc %.4f%n", key, c, z[1]);
        System.out.printf(Locale.ROOT, "RESULT davidson_%s%s_trained_f1 %.4f%n", key, c, t == null ? Double.NaN : t.f1());
        System.out.printf(Locale.ROOT, "RESULT davidson_%s%s_trained_auprc %.4f%n", key, c,
            t == null ? Double.NaN : t.auprc());
      }
      figures.put(model, f);
      references.put(model, reference(f, dir.resolve("reference"), key));
      Map<String, Double> few = Davidson.calibratedOnFewLabels(TestSpark.session(), f, dir, fewLabels);
      few.forEach((c, f1) -> System.out.printf(Locale.ROOT, "RESULT davidson_%s%s_calibrated_%d_labels_f1 %.4f%n",
          key, c, fewLabels, f1));
      calibrated.put(model, few);
    }
    compare(figures, references, calibrated, fewLabels);
  }

  /**
   * The models side by side, per category: zero-shot AUPRC, zero-shot F1 at the policy's calibration
   * and after calibrating on {@code fewLabels} labelled tweets, trained AUPRC (F1), sklearn's AUPRC;
   * the score stage's items/s.
   */
  private static void compare(Map<EmbeddingModel, Davidson.Figures> figures,
      Map<EmbeddingModel, Map<String, String>> references, Map<EmbeddingModel, Map<String, Double>> calibrated,
      int fewLabels) {
    System.out.println();
    System.out.println("| model | category | zero-shot AUPRC | zero-shot F1: policy -> calibrated on " + fewLabels
        + " labels | trained AUPRC (F1) | scikit-learn tuned AUPRC | score items/s |");
    System.out.println("|---|---|---|---|---|---|---|");
    double best = Double.NaN;
    for (Map.Entry<EmbeddingModel, Davidson.Figures> e : figures.entrySet()) {
      Davidson.Figures f = e.getValue();
      for (String c : Davidson.CATEGORIES) {
        TrainStage.Fit t = f.trained().get(c);
        System.out.printf(Locale.ROOT, "| %s | %s | %.4f | %.3f -> %.3f | %.4f (%.3f) | %s | %.0f |%n", e.getKey(), c,
            f.zeroShot().get(c)[1], f.zeroShot().get(c)[0], calibrated.get(e.getKey()).getOrDefault(c, Double.NaN),
            t == null ? Double.NaN : t.auprc(), t == null ? Double.NaN : t.f1(),
            references.get(e.getKey()).getOrDefault(c, "-"), f.items() / f.scoreSeconds());
        if (t != null && c.equals("hate_speech") && !(t.auprc() <= best)) {
          best = t.auprc();
        }
      }
    }
    System.out.printf(Locale.ROOT, "RESULT davidson_best_hate_speech_trained_auprc %.4f%n", best);
  }

  /**
   * scikit-learn's logistic regressions on the same vectors and outer folds (jobs/sklearn_reference.py),
   * when python3 has scikit-learn; their AUPRC is computed as ecolens computes cv_auprc.
   */
  private static Map<String, String> reference(Davidson.Figures f, Path dir, String key) throws Exception {
    Map<String, String> tuned = new LinkedHashMap<>();
    String python = null;
    for (String candidate : List.of(System.getenv().getOrDefault("ECOLENS_PYTHON", "python3"), "/usr/bin/python3")) {
      try {
        Process probe = new ProcessBuilder(candidate, "-c", "import sklearn").redirectErrorStream(true).start();
        if (probe.waitFor() == 0) {
          python = candidate;
          break;
        }
      } catch (java.io.IOException notInstalled) {
        // no such interpreter: try the next one
      }
    }
    if (python == null) {
      System.out.println("SKIP scikit-learn reference: neither $ECOLENS_PYTHON, python3 nor /usr/bin/python3 can "
          + "import sklearn (Debian: apt-get install python3-sklearn)");
      return tuned;
    }
    List<Path> files = ReferenceExport.write(f.run(), Davidson.CATEGORIES, dir);
    List<String> command = new ArrayList<>(List.of(python, "jobs/sklearn_reference.py"));
    if (Boolean.getBoolean("bench.davidson.lexical")) {
      // the tweets' own words beside the vectors: the CSV's unnamed first column is the content_id
      command.addAll(List.of("--texts", Davidson.datasets().resolve(Davidson.CSV).toString(), "--id-column", "",
          "--text-column", "tweet"));
    }
    files.forEach(p -> command.add(p.toString()));
    Process reference = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(reference.getInputStream())).lines()) {
      lines.forEach(line -> {
        System.out.println(line);
        String[] w = line.split(" ");
        if (w.length == 7 && w[0].equals("REFERENCE")) {
          System.out.printf(Locale.ROOT, "RESULT davidson_%s%s_sklearn_%s_auprc %s%n", key, w[1], w[2], w[4]);
          if (w[2].equals("tuned")) {
            tuned.put(w[1], w[4]);
          }
        }
      });
    }
    if (reference.waitFor() != 0) {
      throw new IllegalStateException("jobs/sklearn_reference.py failed (exit " + reference.exitValue() + ")");
    }
    for (String c : Davidson.CATEGORIES) {
      TrainStage.Fit t = f.trained().get(c);
      if (t != null) {
        System.out.printf(Locale.ROOT, "ecolens %s trained auprc %.6f (regularization %s)%n", c, t.auprc(),
            t.regularization());
      }
    }
    return tuned;
  }

  private static void ratio(int n, int batch, int threads) throws Exception {
    Policy policy = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
    List<ScoringItem> items = texts(n);
    ScorerSpec spec = new ScorerSpec(ScorerType.EMBEDDED, policy, new EmbeddedSpec(EmbeddingModel.MINILM, 256, 1, null), null);
    Embedder model = Embedder.shared(EmbeddingModel.MINILM, 256, 1);
    spec.scorer();
    System.out.printf("embedded benchmark: %d items, batch %d, %d threads (local[%d]), ONNX intra-op threads %d%n",
        n, batch, threads, threads, model.intraOpThreads());
    raw(model, items.subList(0, Math.min(400, n)), batch, threads); // warm-up: JIT, ONNX arenas

    SparkSession spark = SparkSession.builder().master("local[" + threads + "]").appName("ecolens-bench")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", String.valueOf(threads))
        .getOrCreate();
    Dataset<ScoringItem> data = spark.createDataset(items, Encoders.bean(ScoringItem.class))
        .repartition(threads).cache();
    data.count();
    List<String> categories = policy.categories().stream().map(Policy.Category::id).toList();
    MapPartitionsFunction<ScoringItem, ScoreRow> score = partition ->
        ScoreRow.rowsOf(new PartitionScorer(partition, spec.scorer(), categories, batch, x -> { }));
    data.limit(200).mapPartitions(score, Encoders.bean(ScoreRow.class)).count(); // warm-up

    double raw1 = raw(model, items, batch, threads);
    long start = System.nanoTime();
    long rows = data.mapPartitions(score, Encoders.bean(ScoreRow.class)).count();
    double pipeline = n / ((System.nanoTime() - start) / 1e9);
    double raw2 = raw(model, items, batch, threads);
    double raw = (raw1 + raw2) / 2;
    if (rows != (long) n * categories.size()) {
      throw new IllegalStateException("pipeline produced " + rows + " rows, expected " + n * categories.size());
    }
    System.out.printf(Locale.ROOT, "raw ONNX loop   %8.1f items/s (runs: %.1f, %.1f)%n", raw, raw1, raw2);
    System.out.printf(Locale.ROOT, "spark pipeline  %8.1f items/s (%d score rows)%n", pipeline, rows);
    System.out.printf(Locale.ROOT, "RESULT embedded_ratio %.3f%n", pipeline / raw);
    spark.stop();
  }

  /** items/s of T threads each embedding its share of the items, batch by batch, with the shared model. */
  private static double raw(Embedder model, List<ScoringItem> items, int batch, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      long start = System.nanoTime();
      int share = (items.size() + threads - 1) / threads;
      for (int t = 0; t < threads; t++) {
        List<ScoringItem> mine = items.subList(Math.min(t * share, items.size()), Math.min((t + 1) * share, items.size()));
        futures.add(pool.submit(() -> {
          for (int i = 0; i < mine.size(); i += batch) {
            model.embed(mine.subList(i, Math.min(i + batch, mine.size())).stream().map(ScoringItem::text).toList());
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      return items.size() / ((System.nanoTime() - start) / 1e9);
    } finally {
      pool.shutdown();
    }
  }

  /** Davidson tweets when present (real lengths), else generated short posts. */
  private static List<ScoringItem> texts(int n) throws Exception {
    List<ScoringItem> out = new ArrayList<>(n);
    Path datasets = Davidson.datasets();
    if (datasets != null) {
      for (String line : Files.readAllLines(datasets.resolve(Davidson.CSV))) {
        int comma = nthComma(line, 6);
        if (comma > 0 && out.size() < n) {
          out.add(new ScoringItem("t" + out.size(), "h" + out.size(), null, line.substring(comma + 1), null, null));
        }
      }
    }
    String[] words = {"cake", "recipe", "win", "free", "phone", "dance", "challenge", "crypto", "giveaway", "cat",
        "workout", "travel", "vlog", "follow", "link", "bio", "prank", "stunt", "review", "unboxing"};
    java.util.Random random = new java.util.Random(5);
    while (out.size() < n) {
      StringBuilder sb = new StringBuilder();
      for (int w = 0, len = 8 + random.nextInt(24); w < len; w++) {
        sb.append(words[random.nextInt(words.length)]).append(' ');
      }
      out.add(new ScoringItem("g" + out.size(), "h" + out.size(), null, sb.toString(), null, null));
    }
    return out;
  }

  private static int nthComma(String line, int k) {
    int idx = -1;
    for (int i = 0; i < k; i++) {
      idx = line.indexOf(',', idx + 1);
      if (idx < 0) {
        return -1;
      }
    }
    return idx;
  }

  private EmbeddedBench() {}
}
