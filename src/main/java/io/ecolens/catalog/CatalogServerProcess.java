package io.ecolens.catalog;

import static io.ecolens.catalog.CatalogServer.STATE;
import static io.ecolens.catalog.CatalogServer.START_TIMEOUT;
import static io.ecolens.catalog.CatalogServer.answers;
import static io.ecolens.catalog.CatalogServer.exclusive;
import static io.ecolens.catalog.CatalogServer.readState;
import static io.ecolens.catalog.CatalogServer.runningPort;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.derby.drda.NetworkServerControl;

/**
 * The catalog server's own JVM, started by {@link CatalogServer}: Derby's network server on
 * loopback for one warehouse, recorded in the warehouse's state file once it answers, stopping
 * itself after an idle time with no client connected.
 */
public final class CatalogServerProcess {
  private static final Pattern ACTIVE_SESSIONS = Pattern.compile("# Active Sessions\\s*:\\s*(\\d+)");

  private CatalogServerProcess() {}

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
      } catch (FileAlreadyExistsException recorded) {
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
