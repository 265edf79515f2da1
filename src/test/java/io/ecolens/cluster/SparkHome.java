package io.ecolens.cluster;

import io.ecolens.testing.ChildJvms;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A folder that plays {@code SPARK_HOME} for Spark JVMs started by tests, built from the project's
 * own resolved jars (no Spark download). Its {@code jars/} holds what a cluster provides — Spark,
 * Hive, Hadoop with s3a — and not what the application jar bundles (Delta, the MiniLM model, ONNX
 * Runtime, the tokenizer, picocli, Mustache, Jackson YAML), so a submitted job only runs if the
 * application jar really carries those. It starts processes with their output in {@code logs/} and
 * remembers them so that {@link #killAll()} ends them and their children.
 */
final class SparkHome {
  /** Artifacts the application jar bundles; a cluster does not provide them. */
  private static final List<String> BUNDLED = List.of("/io/delta/", "/dev/langchain4j/",
      "/com/microsoft/onnxruntime/", "/ai/djl/", "/info/picocli/", "/com/github/spullara/",
      "/jackson-dataformat-yaml/", "/io/unitycatalog/");

  private final Path home;
  private final Path logs;
  private final List<Process> processes = new ArrayList<>();

  private SparkHome(Path home, Path logs) {
    this.home = home;
    this.logs = logs;
    // no JVM it started outlives the test JVM, even when a test is interrupted
    Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "spark-home-killer"));
  }

  /** Creates {@code dir/spark-home/jars} (symbolic links) and {@code dir/logs}. */
  static SparkHome create(Path dir) {
    try {
      SparkHome h = new SparkHome(Files.createDirectories(dir.resolve("spark-home")),
          Files.createDirectories(dir.resolve("logs")));
      h.linkProvidedJars();
      h.writeSparkSubmit();
      return h;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lay out a SPARK_HOME under " + dir, e);
    }
  }

  /** The application jar the build made ({@code mvn package}). */
  static Path appJar() {
    Path jar = Path.of(System.getProperty("ecolens.app.jar", "target/ecolens-0.1.0-SNAPSHOT-app.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no application jar at " + jar + "; run these tests with 'mvn verify', "
          + "which builds it in 'package' before the integration tests");
    }
    return jar;
  }

  Path path() {
    return home;
  }

  /** {@code java -Xmx<heap> <short-lived flags> <Java 17 opens> -cp SPARK_HOME/jars/* <mainClass>}. */
  List<String> java(String heap, String mainClass) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    command.addAll(ChildJvms.SHORT_LIVED);
    command.addAll(Arrays.asList(opens().split(" ")));
    command.add("-Dlog4j2.configurationFile=" + Path.of("conf/log4j2.properties").toAbsolutePath().toUri());
    command.addAll(List.of("-cp", home.resolve("jars") + File.separator + "*", mainClass));
    return command;
  }

  /**
   * {@code jobs/submit.sh} with this folder as SPARK_HOME: spark-submit of the application jar in
   * client mode (the driver runs here), with {@code confFile} as the ecolens YAML. {@code sparkArgs}
   * go to spark-submit, {@code appArgs} to ecolens.
   */
  List<String> submit(String master, List<String> sparkArgs, Path confFile, List<String> appArgs) {
    // APP_JAR: this build's jar, whichever Spark line it was built for
    List<String> command = new ArrayList<>(List.of("env", "APP_JAR=" + appJar().toAbsolutePath(), "bash",
        Path.of("jobs/submit.sh").toAbsolutePath().toString(), "--master", master));
    command.addAll(sparkArgs);
    command.addAll(List.of("--conf-file", confFile.toAbsolutePath().toString(), "--"));
    command.addAll(appArgs);
    return command;
  }

  /** Starts {@code command} in {@code workDir} with SPARK_HOME set, output in {@code logs/<name>.log}. */
  Process start(String name, List<String> command, Path workDir) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(logs.resolve(name + ".log").toFile());
    Map<String, String> env = builder.environment();
    env.put("SPARK_HOME", home.toString());
    // the launcher needs the Scala line outside a Spark distribution: this build's (2.12 or 2.13)
    env.put("SPARK_SCALA_VERSION", scala.util.Properties.versionNumberString().replaceAll("^(\\d+\\.\\d+).*", "$1"));
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.remove("SPARK_CONF_DIR");
    try {
      Process p = builder.start();
      synchronized (this) {
        processes.add(p);
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /** The log of one process started here. */
  String log(String name) {
    try {
      return Files.readString(logs.resolve(name + ".log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log " + name + ": " + e.getMessage() + ")";
    }
  }

  /** The last lines of every log, for failure messages. */
  String logTails() {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> files = Files.list(logs)) {
      for (Path f : files.sorted().toList()) {
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        out.append("--- ").append(f.getFileName()).append('\n');
        lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> out.append(l).append('\n'));
      }
    } catch (IOException | UncheckedIOException e) {
      out.append("(logs unreadable: ").append(e.getMessage()).append(")\n");
    }
    return out.toString();
  }

  /** Processes started here that are still alive. */
  synchronized List<Process> processes() {
    return List.copyOf(processes);
  }

  /** Kills every process started here, children first, and waits for them. */
  synchronized void killAll() {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  static String opens() {
    String opens = System.getProperty("ecolens.java17.opens", "").trim();
    if (opens.isEmpty()) {
      throw new IllegalStateException("system property ecolens.java17.opens is not set; run this test with "
          + "'mvn verify' (failsafe sets it from the pom's spark.java17.opens)");
    }
    return opens;
  }

  /** bin/spark-submit as a Spark distribution has it: SparkSubmit on jars/, with the Java 17 flags. */
  private void writeSparkSubmit() throws IOException {
    Path bin = Files.createDirectories(home.resolve("bin"));
    List<String> java = java("1536m", "org.apache.spark.deploy.SparkSubmit");
    StringBuilder script = new StringBuilder("#!/usr/bin/env bash\nexec");
    for (String arg : java) {
      script.append(" '").append(arg.replace("'", "'\\''")).append('\'');
    }
    script.append(" \"$@\"\n");
    Path submit = bin.resolve("spark-submit");
    Files.writeString(submit, script.toString());
    submit.toFile().setExecutable(true);
  }

  /** jars/ = the build's runtime classpath minus what the application jar bundles, as symbolic links. */
  private void linkProvidedJars() throws IOException {
    Path listed = Path.of(System.getProperty("ecolens.local.classpath", "target/local-classpath.txt"));
    if (!Files.isRegularFile(listed)) {
      throw new IllegalStateException("no " + listed + "; 'mvn package' writes it (maven-dependency-plugin)");
    }
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (String entry : Files.readString(listed).trim().split(File.pathSeparator)) {
      if (entry.isBlank() || BUNDLED.stream().anyMatch(entry::contains)) {
        continue;
      }
      Path jar = Path.of(entry);
      Path link = jars.resolve(jar.getFileName());
      if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, jar);
      }
    }
  }
}
