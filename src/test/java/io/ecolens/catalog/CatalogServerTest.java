package io.ecolens.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded catalog's Derby network server: started on demand, shared, stopping when idle. */
class CatalogServerTest {
  @TempDir Path warehouse;

  @AfterEach
  void stop() {
    CatalogServer.stop(warehouse);
  }

  @Test
  void twoClientsShareOneServerWhichStopsOnceNoClientIsConnected() throws Exception {
    Duration idle = Duration.ofSeconds(2);
    String url = CatalogServer.ensureRunning(warehouse, idle);
    assertThat(CatalogServer.ensureRunning(warehouse, idle)).as("the running server is found, not a second one started")
        .isEqualTo(url);
    Integer port = CatalogServer.runningPort(warehouse);
    assertThat(url).startsWith("jdbc:derby://127.0.0.1:" + port + "/metastore_db");

    try (Connection writer = DriverManager.getConnection(url); Statement ddl = writer.createStatement()) {
      ddl.execute("CREATE TABLE probe (id INT)");
      ddl.execute("INSERT INTO probe VALUES (7)");
      try (Connection reader = DriverManager.getConnection(url); Statement query = reader.createStatement();
          ResultSet rs = query.executeQuery("SELECT id FROM probe")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(7);
      }
      Thread.sleep(3 * idle.toMillis());
      assertThat(CatalogServer.runningPort(warehouse)).as("up while a client is connected").isEqualTo(port);
    }

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (CatalogServer.runningPort(warehouse) != null && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThat(CatalogServer.runningPort(warehouse)).as("stopped once idle").isNull();
    assertThat(warehouse.resolve(CatalogServer.STATE)).doesNotExist();

    String again = CatalogServer.ensureRunning(warehouse, idle);
    try (Connection c = DriverManager.getConnection(again); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM probe")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).as("a restarted server serves the same database").isEqualTo(1);
    }
  }

  @Test
  void activeSessionsAreReadFromTheServersRuntimeInformation() {
    assertThat(CatalogServerProcess.activeSessions("# Connection Threads : 13\n# Active Sessions : 3\n# Waiting  Sessions : 0"))
        .isEqualTo(3);
  }
}
