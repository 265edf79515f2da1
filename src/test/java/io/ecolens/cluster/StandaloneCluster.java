package io.ecolens.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on loopback: one master and one-core workers, each its own JVM,
 * started from a {@link SparkHome} of the project's jars. Every process it starts (executors
 * included) is killed on {@link #close()} or, failing that, when the test JVM exits; every port
 * is picked free.
 */
final class StandaloneCluster implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(4);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkHome home;
  private final Path dir;
  private final int masterPort = freePort();
  private final int masterUiPort = freePort();
  private final List<Process> workers = new ArrayList<>();
  private final Thread killer;

  private StandaloneCluster(Path dir) {
    this.dir = dir;
    this.home = SparkHome.create(dir);
    this.killer = new Thread(home::killAll, "standalone-cluster-killer");
    Runtime.getRuntime().addShutdownHook(killer);
  }

  /** Starts a master and {@code workers} one-core workers of {@code workerMemory} each under {@code dir}. */
  static StandaloneCluster start(Path dir, int workers, String workerMemory) {
    StandaloneCluster cluster = new StandaloneCluster(dir);
    try {
      cluster.home.start("master", cluster.command("org.apache.spark.deploy.master.Master",
          "--host", "127.0.0.1", "--port", String.valueOf(cluster.masterPort),
          "--webui-port", String.valueOf(cluster.masterUiPort)), cluster.home.path());
      for (int i = 0; i < workers; i++) {
        Path work = Files.createDirectories(dir.resolve("worker-" + i));
        cluster.workers.add(cluster.home.start("worker-" + i, cluster.command("org.apache.spark.deploy.worker.Worker",
            "--host", "127.0.0.1", "--webui-port", String.valueOf(freePort()), "--cores", "1",
            "--memory", workerMemory, "--work-dir", work.toString(), cluster.masterUrl()), work));
      }
      cluster.awaitWorkers(workers);
      return cluster;
    } catch (RuntimeException | IOException e) {
      String logs = cluster.home.logTails();
      cluster.close();
      throw new IllegalStateException("the standalone cluster did not start: " + e.getMessage() + "\n" + logs, e);
    }
  }

  /** {@code spark://127.0.0.1:port}. */
  String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  SparkHome home() {
    return home;
  }

  /** The work folder of worker {@code i} (its executors' logs are under it). */
  Path workerDir(int i) {
    return dir.resolve("worker-" + i);
  }

  /** Starts jobs/submit.sh against this cluster with conf/local.yaml; its log is {@code name}. */
  Process submit(String name, Path workDir, List<String> sparkArgs, List<String> appArgs) {
    return home.start(name, home.submit(masterUrl(), sparkArgs, Path.of("conf/local.yaml"), appArgs), workDir);
  }

  /** The live executor JVM ({@code CoarseGrainedExecutorBackend}) of this cluster with executor id {@code id}. */
  Optional<ProcessHandle> executor(String id) {
    return executors().filter(p -> executorId(p).equals(id)).findFirst();
  }

  /** The live executor JVMs the workers started. */
  private Stream<ProcessHandle> executors() {
    return workers.stream().flatMap(Process::descendants)
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"));
  }

  /**
   * The id of the live executor that holds the client end of a loopback TCP connection from
   * {@code clientPort} to {@code serverPort}: the socket's inode from /proc/net/tcp, then the
   * executor JVM with a descriptor on it (Linux only).
   */
  Optional<String> executorConnectedFrom(int clientPort, int serverPort) {
    String socket = "socket:[" + socketInode(clientPort, serverPort) + "]";
    return executors().filter(p -> holds(p, socket))
        .map(StandaloneCluster::executorId)
        .findFirst();
  }

  private static String socketInode(int localPort, int remotePort) {
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && f[1].endsWith(String.format(":%04X", localPort))
              && f[2].endsWith(String.format(":%04X", remotePort))) {
            return f[9];
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + table + " (this test needs Linux's /proc)", e);
      }
    }
    throw new IllegalStateException("no TCP connection from port " + localPort + " to port " + remotePort);
  }

  private static boolean holds(ProcessHandle p, String socket) {
    try (Stream<Path> fds = Files.list(Path.of("/proc/" + p.pid() + "/fd"))) {
      return fds.anyMatch(fd -> {
        try {
          return Files.readSymbolicLink(fd).toString().equals(socket);
        } catch (IOException closedMeanwhile) {
          return false;
        }
      });
    } catch (IOException | UncheckedIOException gone) {
      return false;
    }
  }

  @Override
  public void close() {
    home.killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  private static String executorId(ProcessHandle p) {
    List<String> args = Arrays.asList(p.info().arguments().orElse(new String[0]));
    int i = args.indexOf("--executor-id");
    return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : "";
  }

  private List<String> command(String mainClass, String... args) {
    List<String> command = new ArrayList<>(home.java("512m", mainClass));
    command.addAll(Arrays.asList(args));
    return command;
  }

  /** Waits until the master's JSON page lists {@code n} alive workers. */
  private void awaitWorkers(int n) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      for (Process p : home.processes()) {
        if (!p.isAlive()) {
          throw new IllegalStateException("a cluster JVM exited with code " + p.exitValue());
        }
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + masterUiPort + "/json/")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        long alive = 0;
        for (JsonNode w : JSON.readTree(r.body()).path("workers")) {
          alive += w.path("state").asText().equals("ALIVE") ? 1 : 0;
        }
        if (alive >= n) {
          return;
        }
        last = alive + " alive worker(s)";
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      sleep(500);
    }
    throw new IllegalStateException("no " + n + " alive workers after " + START_TIMEOUT + " (" + last + ")");
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
