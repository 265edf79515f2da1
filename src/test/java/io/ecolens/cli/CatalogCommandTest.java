package io.ecolens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.catalog.CatalogServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code catalog}: starts the warehouse's catalog server and prints the settings a notebook needs. */
class CatalogCommandTest {
  @TempDir Path dir;

  @AfterEach
  void stop() {
    CatalogServer.stop(dir.resolve("warehouse"));
  }

  @Test
  void printsTheSettingsOfARunningServer() throws Exception {
    StringWriter out = new StringWriter();
    int code = EcolensCli.execute(new PrintWriter(out), new PrintWriter(new StringWriter()),
        "catalog", "--conf", "conf/local.yaml", "--set", "catalog.warehouse=" + dir.resolve("warehouse"));
    assertThat(code).isZero();
    assertThat(out.toString()).contains("--conf 'spark.sql.catalogImplementation=hive'")
        .contains("--conf 'spark.sql.warehouse.dir=" + dir.resolve("warehouse").toUri());
    Matcher url = Pattern.compile("ConnectionURL=(jdbc:derby://[^']+)'").matcher(out.toString());
    assertThat(url.find()).as(out.toString()).isTrue();
    try (Connection c = DriverManager.getConnection(url.group(1))) {
      assertThat(c.isValid(5)).as("the printed URL reaches the catalog").isTrue();
    }
  }

  @Test
  void aClusterCatalogIsAConfigErrorNamingTheKey() {
    StringWriter err = new StringWriter();
    int code = EcolensCli.execute(new PrintWriter(new StringWriter()), new PrintWriter(err),
        "catalog", "--conf", "conf/local.yaml", "--set", "catalog.embedded=false");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("catalog.embedded");
  }
}
