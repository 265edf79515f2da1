package io.ecolens.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** How long a live server may take to answer before it is reported as hung. */
  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final Pattern ACTIVE_SESSIONS = Pattern.compile("# Active Sessions\\s*:\\s*(\\d+)");

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
        command.add("/usr/bin/setsid"); // its own session: a Ctrl-C or kill of the job's group leaves it be
      }
      command.addAll(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-XX:+UseSerialGC",
          "-Duser.language=en", "-Dderby.system.home=" + root,
          "-Dderby.stream.error.file=" + root.resolve("derby.log"),
          "-cp", System.getProperty("java.class.path"),
          CatalogServer.class.getName(), root.toString(), String.valueOf(port), String.valueOf(idle.toSeconds())));
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
          break; // setsid's own process ends at once when it forks; the server's state file tells
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

  private static boolean answers(int port) {
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

  private static Properties readState(Path root) {
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

  /**
   * The server process: {@code <warehouse> <port> <idle seconds>}. Serves the warehouse's Derby
   * databases on loopback, writes {@value #STATE} once it answers, and shuts down after the idle
   * time with no client connected.
   */
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    int port = Integer.parseInt(args[1]);
    Duration idle = Duration.ofSeconds(Long.parseLong(args[2]));
    NetworkServerControl server = new NetworkServerControl(InetAddress.getLoopbackAddress(), port);
    server.start(new PrintWriter(System.out, true));
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!answers(port)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the Derby network server on port " + port + " never answered");
      }
      Thread.sleep(100);
    }
    Properties state = new Properties();
    state.setProperty("port", String.valueOf(port));
    state.setProperty("pid", String.valueOf(ProcessHandle.current().pid()));
    Path tmp = root.resolve(STATE + "." + state.getProperty("pid") + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      state.store(out, "the catalog server of this warehouse (io.ecolens.catalog.CatalogServer)");
    }
    if (!record(root, tmp)) {
      // a process that started a server was killed before it came up, and the next one started another:
      // the first to record itself serves the warehouse, the other ends before any client connects
      System.out.printf("another catalog server serves %s; this one (port %d) stops%n", root, port);
      server.shutdown();
      return;
    }
    System.out.printf("catalog server of %s on port %d, stopping after %d s without clients%n",
        root, port, idle.toSeconds());

    long lastBusy = System.nanoTime();
    while (true) {
      Thread.sleep(Math.min(5_000, Math.max(200, idle.toMillis() / 4)));
      int sessions = sessions(server);
      if (sessions < 0) {
        if (Files.isDirectory(root)) {
          exclusive(root, () -> forget(root, state)); // stopped from outside
        }
        break;
      }
      if (sessions > 0) {
        lastBusy = System.nanoTime();
      } else if (System.nanoTime() - lastBusy > idle.toNanos() && stopIfIdle(root, server, state)) {
        break;
      }
    }
    try {
      DriverManager.getConnection("jdbc:derby:;shutdown=true"); // flushes and closes the databases
    } catch (SQLException expected) {
      // Derby reports a clean engine shutdown as an exception (XJ015)
    }
    System.out.printf("catalog server of %s stopped%n", root);
  }

  /**
   * Makes {@code tmp} the state file unless a live, answering server is recorded there already;
   * whether this server is the recorded one. A link fails when the file exists, so of two servers
   * coming up at once one records itself.
   */
  private static boolean record(Path root, Path tmp) throws IOException {
    Path file = root.resolve(STATE);
    try {
      try {
        Files.createLink(file, tmp);
        return true;
      } catch (java.nio.file.FileAlreadyExistsException recorded) {
        if (runningPort(root) != null) {
          return false;
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING); // a dead server's
        return true;
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Connected client sessions; -1 when the server no longer answers (stopped from outside). The
   * request for the runtime information is a session of its own, counted there and not here.
   */
  private static int sessions(NetworkServerControl server) {
    try {
      return activeSessions(server.getRuntimeInfo()) - 1;
    } catch (Exception e) {
      return -1;
    }
  }

  /**
   * Shuts the server down unless a client connected meanwhile, under the warehouse's lock: a client
   * finds the server and connects within one {@code exclusive} block (see {@link SparkSessions}),
   * so it never gets the address of a server about to stop.
   */
  private static boolean stopIfIdle(Path root, NetworkServerControl server, Properties state) {
    return exclusive(root, () -> {
      int sessions = sessions(server);
      if (sessions > 0) {
        return false;
      }
      forget(root, state);
      try {
        server.shutdown();
      } catch (Exception e) {
        System.out.println("stopping: " + e);
      }
      return true;
    });
  }

  /** Deletes the state file when it still names this server (a later server may have replaced it). */
  private static Void forget(Path root, Properties state) {
    Properties current = readState(root);
    try {
      if (current != null && current.getProperty("pid").equals(state.getProperty("pid"))) {
        Files.deleteIfExists(root.resolve(STATE));
      }
    } catch (IOException e) {
      System.out.println("cannot delete " + root.resolve(STATE) + ": " + e);
    }
    return null;
  }

  /** Connected client sessions, from the server's runtime information (English, see the server's JVM options). */
  static int activeSessions(String runtimeInfo) {
    Matcher m = ACTIVE_SESSIONS.matcher(runtimeInfo);
    if (!m.find()) {
      throw new IllegalStateException("no session count in the server's runtime information: " + runtimeInfo);
    }
    return Integer.parseInt(m.group(1));
  }
}
