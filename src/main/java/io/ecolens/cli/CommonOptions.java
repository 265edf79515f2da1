package io.ecolens.cli;

import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.config.RunId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every command takes: the config file, overrides, and the run id. */
public final class CommonOptions {
  static final Path DEFAULT_CONF = Path.of("conf/local.yaml");

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

  /** The loaded, validated config with {@code --set} and then the command's own overrides applied. */
  EcolensConfig config(List<String> commandOverrides) {
    Path file = conf != null ? conf : (Files.isRegularFile(DEFAULT_CONF) ? DEFAULT_CONF : null);
    List<String> all = new ArrayList<>(overrides);
    all.addAll(commandOverrides);
    return ConfigLoader.load(file, all);
  }

  /** The given run id (checked), or a new one such as 20261125-142233-7f3a; the same on every call. */
  RunId runId() {
    RunId id = runId == null ? RunId.generated() : RunId.of(runId);
    runId = id.value();
    return id;
  }
}
