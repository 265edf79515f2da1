package io.ecolens.cli;

import io.ecolens.Errors;
import io.ecolens.catalog.CatalogServer;
import io.ecolens.config.EcolensConfig;
import io.ecolens.spark.SparkSessions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Starts the embedded catalog's server when none runs and prints the Spark settings with which a
 * notebook, spark-sql or spark-shell on this machine reads the tables, while jobs run too.
 */
@Command(name = "catalog", mixinStandardHelpOptions = true,
    description = "Start the embedded catalog's server (when none runs) and print the Spark settings with which a "
        + "notebook, spark-sql or spark-shell on this machine reads the tables, also while jobs write them.")
final class CatalogCommand implements Callable<Integer> {
  @Mixin CommonOptions options;

  @Spec CommandSpec spec;

  @Option(names = "--idle-minutes", paramLabel = "N", defaultValue = "60",
      description = "When this starts the server: minutes it stays up with no client connected (default: ${DEFAULT-VALUE}).")
  long idleMinutes;

  @Override
  public Integer call() {
    EcolensConfig config = options.config(List.of());
    if (!config.catalog().embedded()) {
      throw Errors.config("the config", "catalog.embedded",
          "is false: the tables are in the cluster's catalog, which its own settings reach; 'catalog' serves the embedded one");
    }
    if (!CatalogServer.available()) {
      throw Errors.config("the classpath", "catalog.server",
          "Derby's network server (derbynet, derbyclient) is not on the classpath; run this through jobs/run-local.sh");
    }
    Path warehouse = Path.of(config.catalog().warehouse()).toAbsolutePath().normalize();
    String url = CatalogServer.ensureRunning(warehouse, Duration.ofMinutes(idleMinutes));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("# the catalog of %s, served at %s (log: %s)%n", warehouse, url,
        warehouse.resolve("catalog-server.log"));
    out.println("# a Spark session with Delta Lake and Derby's client (derbyclient) on its classpath, given these "
        + "settings, reads and writes the tables beside running jobs:");
    for (Map.Entry<String, String> setting : SparkSessions.catalogServerSettings(warehouse, url).entrySet()) {
      out.printf("--conf '%s=%s'%n", setting.getKey(), setting.getValue());
    }
    out.flush();
    return 0;
  }
}
