package io.ecolens.bench;

import static org.apache.spark.sql.functions.col;

import io.ecolens.Errors;
import io.ecolens.testing.DemoRuns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The whole {@code run} of {@code conf/local.yaml} (demo corpus generated, rules scorer) at several
 * corpus sizes. Each size runs as {@code jobs/run-local.sh run} in a JVM of its own, with a fresh
 * temporary warehouse (and so a fresh Derby catalog), catalog database, demo-corpus folder and
 * report folder given as {@code --set} overrides: a fresh warehouse needs a fresh SparkContext and
 * metastore, which one JVM cannot give twice cleanly, and a JVM per run makes both sizes pay the
 * same start-up and JIT warm-up, as an operator's run does. Afterwards each run's {@code runs} row
 * is read (by path, from its warehouse) and the seconds of every stage it recorded are printed side
 * by side, in the order the run recorded them (stage names come from the table, not from here);
 * "other" is the wall time no stage recorded: JVM and Spark start-up, config, the demo corpus
 * generation (not a ledger stage) and stopping. Usage: {@code PipelineBench [--rows 20000,200000]};
 * {@code -Dbench.keep=true} keeps the temporary folders. Last lines: {@code RESULT
 * pipeline_<first size>_seconds} (wall) and {@code RESULT pipeline_scale_ratio} (wall of the last
 * size / wall of the first).
 */
public final class PipelineBench {
  private static final String DATABASE = "pipeline_bench";

  private PipelineBench() {}

  /** One finished run: its size, id, warehouse, wall seconds and exit code. */
  record Run(int rows, String runId, Path warehouse, double wallSeconds, int exitCode) {}

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = sizes(args);
    Path root = Files.createTempDirectory("ecolens-bench-pipeline");
    try {
      List<Run> runs = new ArrayList<>();
      for (int rows : sizes) {
        runs.add(run(root.resolve(EvaluateBench.label(rows)), rows));
      }
      List<Map<String, Double>> stages = stageSeconds(runs);
      print(runs, stages);
      Run first = runs.get(0);
      Run last = runs.get(runs.size() - 1);
      System.out.printf("RESULT pipeline_%s_seconds %.1f%n", EvaluateBench.label(first.rows()), first.wallSeconds());
      System.out.printf("RESULT pipeline_scale_ratio %.2f%n", last.wallSeconds() / first.wallSeconds());
    } finally {
      if (Boolean.getBoolean("bench.keep")) {
        System.out.println("kept " + root);
      } else {
        EvaluateBench.deleteFolder(root);
      }
    }
  }

  static List<Integer> sizes(String[] args) {
    String list = "20000,200000";
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--rows") && i + 1 < args.length) {
        list = args[++i];
      } else {
        throw new IllegalArgumentException("usage: PipelineBench [--rows N,N...], not '" + args[i] + "'");
      }
    }
    List<Integer> sizes = Stream.of(list.split(",")).map(s -> Integer.parseInt(s.trim().replace("_", ""))).toList();
    if (sizes.isEmpty()) {
      throw new IllegalArgumentException("--rows needs at least one size");
    }
    return sizes;
  }

  /** {@code jobs/run-local.sh run} over a demo corpus of {@code rows} items, everything under {@code dir}. */
  static Run run(Path dir, int rows) throws IOException, InterruptedException {
    String runId = "bench-pipeline-" + EvaluateBench.label(rows);
    Path warehouse = dir.resolve("warehouse");
    List<String> sets = DemoRuns.demoCorpus(dir, rows, DATABASE);
    sets.add("catalog.warehouse=" + warehouse);
    List<String> command = new ArrayList<>(List.of("jobs/run-local.sh", "run", "--conf", "conf/local.yaml", "--run-id", runId));
    sets.forEach(s -> command.addAll(List.of("--set", s)));
    System.out.printf("%n== pipeline %,d items: %s%n", rows, String.join(" ", command));
    long start = System.nanoTime();
    int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (exit != 0 && exit != Errors.EXIT_GATE) {
      throw new IllegalStateException("run " + runId + " exited with " + exit + " (its output is above)");
    }
    return new Run(rows, runId, warehouse, seconds, exit);
  }

  /** Each run's stage seconds from its {@code runs} row, in the order the row holds them. */
  static List<Map<String, Double>> stageSeconds(List<Run> runs) throws IOException {
    SparkSession spark = SparkSession.builder().master("local[1]").appName("ecolens-bench-pipeline")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      List<Map<String, Double>> out = new ArrayList<>();
      for (Run run : runs) {
        List<Row> rows = spark.read().format("delta").load(runsTable(run.warehouse()).toString())
            .filter(col("run_id").equalTo(run.runId()))
            .selectExpr("status", "map_entries(stage_seconds)", "CAST(counts AS STRING)")
            .collectAsList();
        if (rows.size() != 1 || !"succeeded".equals(rows.get(0).getString(0))) {
          throw new IllegalStateException("run " + run.runId() + " has no succeeded runs row: " + rows);
        }
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (Row e : rows.get(0).<Row>getList(1)) {
          seconds.put(e.getString(0), e.getDouble(1));
        }
        System.out.printf("runs row %s: counts %s%n", run.runId(), rows.get(0).getString(2));
        out.add(seconds);
      }
      return out;
    } finally {
      spark.stop();
    }
  }

  /** The Delta folder of table {@code runs} under a warehouse (found, so the catalog's layout is not assumed). */
  static Path runsTable(Path warehouse) throws IOException {
    try (Stream<Path> paths = Files.walk(warehouse)) {
      return paths.filter(p -> p.getFileName().toString().equals("runs") && Files.isDirectory(p.resolve("_delta_log")))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("no Delta table 'runs' under " + warehouse));
    }
  }

  private static void print(List<Run> runs, List<Map<String, Double>> stages) {
    Set<String> names = new LinkedHashSet<>();
    stages.forEach(s -> names.addAll(s.keySet()));
    StringBuilder header = new StringBuilder(String.format("%n%-12s", "seconds"));
    runs.forEach(r -> header.append(String.format(" %10s", EvaluateBench.label(r.rows()))));
    if (runs.size() > 1) {
      header.append(String.format(" %8s", "ratio"));
    }
    System.out.println(header);
    for (String name : names) {
      line(name, stages.stream().map(s -> s.get(name)).toList());
    }
    List<Double> total = stages.stream().map(s -> s.values().stream().mapToDouble(Double::doubleValue).sum()).toList();
    line("stages", total);
    List<Double> wall = runs.stream().map(Run::wallSeconds).toList();
    List<Double> other = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      other.add(wall.get(i) - total.get(i));
    }
    line("other", other);
    line("wall", wall);
    runs.stream().filter(r -> r.exitCode() != 0).forEach(r ->
        System.out.printf("note: %s exited with %d (a quality gate failed); its stages all ran%n", r.runId(), r.exitCode()));
  }

  private static void line(String name, List<Double> seconds) {
    StringBuilder sb = new StringBuilder(String.format("%-12s", name));
    seconds.forEach(s -> sb.append(s == null ? String.format(" %10s", "-") : String.format(" %10.1f", s)));
    Double first = seconds.get(0);
    Double last = seconds.get(seconds.size() - 1);
    if (seconds.size() > 1) {
      sb.append(first == null || last == null || first == 0 ? String.format(" %8s", "-") : String.format(" %8.2f", last / first));
    }
    System.out.println(sb);
  }
}
