package io.ecolens.catalog;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.derby.drda.NetworkServerControl;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * The embedded catalog's Derby database served on loopback, so that several processes (a running
 * job, a notebook or spark-sql reading the tables, further runs with other run ids) can use one
 * local warehouse at once; Derby opened inside a process admits that process alone.
 *
 * <p>The first process to open a warehouse starts the server as a JVM of its own, in a session of
 * its own (Ctrl-C on the job does not stop it), and later processes find it through {@value
 * #STATE} in the warehouse folder. The server stops itself once no client has been connected for
 * the idle time it was given, so nothing is left running for long after the last job. Its log is
 * {@value #LOG} in the warehouse folder.
 */
public final class CatalogServer {
  /** The running server's port and process id, written once it answers. */
  static final String STATE = "catalog-server.properties";
  static final String LOG = "catalog-server.log";
  /** Session setting naming the warehouse whose catalog server the session uses; unset otherwise. */
  public static final String SESSION_WAREHOUSE = "spark.ecolens.catalog.server.warehouse";
  private static final String LOCK = "catalog-server.lock";
  /** How long the server stays up with no client connected. */
  public static final Duration DEFAULT_IDLE = Duration.ofMinutes(5);
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** How long a live server may take to answer before it is reported as hung. */
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  /** The warehouse whose lock this JVM holds, guarded by the class's monitor; null when none. */
  private static Path held;

  private CatalogServer() {}

  /** Whether Derby's network server and client are on the classpath (run-local and tests; not the app jar alone). */
  public static boolean available() {
    try {
      Class.forName("org.apache.derby.drda.NetworkServerControl");
      Class.forName("org.apache.derby.jdbc.ClientDriver");
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** The JDBC URL of the catalog under {@code warehouse}, starting its server first when none answers. */
  public static String ensureRunning(Path warehouse, Duration idle) {
    Path root = warehouse.toAbsolutePath().normalize();
    return exclusive(root, () -> {
      Integer port = runningPort(root);
      if (port == null) {
        port = start(root, idle);
      }
      return "jdbc:derby://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + port
          + "/metastore_db;create=true";
    });
  }

  /**
   * Runs {@code action} while no other process (nor thread of this one) is inside an {@code
   * exclusive} block of the same warehouse: the catalog's first use creates its schema, and the
   * tables' creation is check-then-create, neither safe when two processes race.
   */
  public static synchronized <T> T exclusive(Path warehouse, Supplier<T> action) {
    Path root = warehouse.toAbsolutePath().normalize();
    if (held != null) {
      if (!held.equals(root)) {
        throw new IllegalStateException("already inside the catalog lock of " + held + ", not " + root);
      }
      return action.get(); // nested: this thread holds the lock already
    }
    try {
      Files.createDirectories(root);
      try (FileChannel channel = FileChannel.open(root.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        held = root;
        try {
          return action.get();
        } finally {
          held = null;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock the catalog of warehouse " + root + ": " + e.getMessage(), e);
    }
  }

  /**
   * Runs {@code ddl} under the warehouse's lock when {@code spark} uses a catalog server (its
   * {@value #SESSION_WAREHOUSE} names the warehouse); else at once. For check-then-create steps
   * such as creating the tables, which two processes must not run at the same time.
   */
  public static void exclusive(SparkSession spark, Runnable ddl) {
    Option<String> warehouse = spark.conf().getOption(SESSION_WAREHOUSE);
    if (warehouse.isEmpty()) {
      ddl.run();
    } else {
      exclusive(Path.of(warehouse.get()), () -> {
        ddl.run();
        return null;
      });
    }
  }

  /** Stops the warehouse's server if one runs and waits for its process to end (tests, a warehouse about to be deleted). */
  public static void stop(Path warehouse) {
    Path root = warehouse.toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      return;
    }
    Long pid = exclusive(root, () -> {
      Integer port = runningPort(root);
      if (port == null) {
        return null;
      }
      try {
        new NetworkServerControl(InetAddress.getLoopbackAddress(), port).shutdown();
      } catch (Exception e) {
        throw new IllegalStateException("cannot stop the catalog server of " + root + " on port " + port, e);
      }
      return Long.valueOf(readState(root).getProperty("pid"));
    });
    if (pid != null) {
      // outside the lock: the server takes it to forget its state file before it ends
      ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join());
    }
  }

  /** The port of the warehouse's server when its process lives and it answers a ping; else null. */
  static Integer runningPort(Path root) {
    Properties state = readState(root);
    if (state == null) {
      return null;
    }
    int port = Integer.parseInt(state.getProperty("port"));
    long pid = Long.parseLong(state.getProperty("pid"));
    // a live server that does not answer at once may be slow on a loaded machine: starting a second one
    // beside it would leave the catalog's database to whichever booted it first
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      if (answers(port)) {
        return port;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the catalog server of warehouse " + root + " (pid " + pid + ", port " + port
            + ") runs but does not answer; stop it (kill " + pid + ") and run again. Its log: " + root.resolve(LOG));
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  private static int start(Path root, Duration idle) {
    int port = freePort();
    try {
      Files.deleteIfExists(root.resolve(STATE));
      List<String> command = new ArrayList<>();
      if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
        // its own session: a Ctrl-C or kill of the job's group leaves it be; --wait keeps setsid's process
        // alive as long as the server's, should setsid fork
        command.addAll(List.of("/usr/bin/setsid", "--wait"));
      }
      command.addAll(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-XX:+UseSerialGC",
          "-Duser.language=en", "-Dderby.system.home=" + root,
          "-Dderby.stream.error.file=" + root.resolve("derby.log"),
          "-cp", serverClasspath(),
          CatalogServerProcess.class.getName(), root.toString(), String.valueOf(port), String.valueOf(idle.toSeconds())));
      Process process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve(LOG).toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (System.nanoTime() < deadline) {
        Integer running = runningPort(root);
        if (running != null) {
          return running;
        }
        if (!process.isAlive() && readState(root) == null) {
          throw new IllegalStateException("the catalog server of warehouse " + root + " ended while starting ("
              + lastLine(root.resolve(LOG)) + "); its log: " + root.resolve(LOG));
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException("the catalog server of warehouse " + root + " did not start within "
          + START_TIMEOUT.toSeconds() + " s; its log: " + root.resolve(LOG));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the catalog server of warehouse " + root + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the catalog server of " + root, e);
    }
  }

  /**
   * This JVM's class path and the jars this class and Derby's server came from: under spark-submit
   * the application jar is loaded apart from {@code java.class.path}.
   */
  private static String serverClasspath() {
    Set<String> entries = new LinkedHashSet<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
    for (Class<?> c : List.of(CatalogServerProcess.class, NetworkServerControl.class)) {
      CodeSource source = c.getProtectionDomain().getCodeSource();
      try {
        if (source != null && source.getLocation() != null) {
          entries.add(Path.of(source.getLocation().toURI()).toString());
        }
      } catch (URISyntaxException | IllegalArgumentException e) {
        // not a file on this machine: the class path alone has to do
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  private static String lastLine(Path log) {
    try (Stream<String> lines = Files.lines(log)) {
      return lines.filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("no output");
    } catch (IOException | UncheckedIOException e) {
      return "no log";
    }
  }

  static boolean answers(int port) {
    try {
      new NetworkServerControl(InetAddress.getLoopbackAddress(), port).ping();
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port for the catalog server", e);
    }
  }

  static Properties readState(Path root) {
    Path file = root.resolve(STATE);
    if (!Files.exists(file)) {
      return null;
    }
    Properties state = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      state.load(in);
    } catch (IOException e) {
      return null;
    }
    return state.getProperty("port") == null || state.getProperty("pid") == null ? null : state;
  }
}
