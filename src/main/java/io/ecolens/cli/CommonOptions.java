package io.ecolens.cli;

import io.ecolens.Errors;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Option;

/** Options every command takes: the config file, overrides, and the run id. */
public final class CommonOptions {
  static final Path DEFAULT_CONF = Path.of("conf/local.yaml");
  private static final String RUN_ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}";

  @Option(names = "--conf", paramLabel = "FILE",
      description = "YAML config (default: conf/local.yaml when it exists, else built-in defaults).")
  Path conf;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override a config key, e.g. --set sample.size=500 (repeatable).")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--run-id", paramLabel = "ID",
      description = "Name of the run; re-using one replaces that run's rows (default: generated).")
  String runId;

  @Option(names = "--validate-only",
      description = "Check the config, the arguments, the policy and (where cheap) the input paths, print 'valid' and "
          + "exit 0 without starting Spark.")
  boolean validateOnly;

  /** The loaded, validated config. */
  EcolensConfig config() {
    Path file = conf != null ? conf : (Files.isRegularFile(DEFAULT_CONF) ? DEFAULT_CONF : null);
    return ConfigLoader.load(file, overrides);
  }

  /** The given run id (checked), or a new one such as 20261125-142233-7f3a. */
  String runId() {
    if (runId == null) {
      runId = LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
          + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    } else if (!runId.matches(RUN_ID_PATTERN)) {
      throw Errors.config("--run-id", "--run-id", "'" + runId
          + "' may only hold letters, digits and _ . : - (at most 100 characters, starting with a letter or digit)");
    }
    return runId;
  }
}
