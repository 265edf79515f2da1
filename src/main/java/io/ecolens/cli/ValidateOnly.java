package io.ecolens.cli;

import io.ecolens.Errors;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.config.GateConfig;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks of {@code --validate-only}: everything a command can verify before starting Spark.
 * The config and the arguments were already parsed and validated by then; this loads and checks
 * the policy (and the gates' categories against it) and checks that local input paths exist.
 * Inputs that live in tables (every stage after ingest) or on remote storage are not read.
 */
final class ValidateOnly {
  private ValidateOnly() {}

  /** Runs the checks for {@code command} and returns the line to print, starting with "valid". */
  static String check(String command, EcolensConfig config, String runId) {
    List<String> checked = new ArrayList<>();
    checked.add("config");
    checked.add("run id " + runId);
    Policy policy = PolicyLoader.load(config.score().policy(), new org.apache.hadoop.conf.Configuration());
    checked.add("policy " + policy.id() + " v" + policy.version() + " (" + policy.categories().size() + " categories)");
    GateConfig.validateCategories("the config", config.gates(), policy);
    if (!config.gates().isEmpty()) {
      checked.add(config.gates().size() + " gate(s)");
    }
    boolean readsCorpus = command.equals("ingest") || command.equals("run");
    if (readsCorpus) {
      ConfigLoader.requireCorpusPath("the config", config);
      if (!(command.equals("run") && config.generate().enabled())) { // else 'run' writes the corpus first
        checked.add(localInput("corpus", "input.corpus.path", config.input().corpus().path()));
        if (config.input().labels() != null) {
          checked.add(localInput("human labels", "input.labels.path", config.input().labels().path()));
        }
      }
    }
    return "valid: " + command + " (" + String.join(", ", checked) + ")";
  }

  /** The simulator's checks: the policy its answers come from, and its options' ranges. */
  static String checkSimulator(String policyPath, int port, String overCap, double[] rates) {
    if (port < 0 || port > 65535) {
      throw Errors.config("command line", "--port", "must be between 0 and 65535, cannot be: " + port);
    }
    if (!overCap.equals("queue") && !overCap.equals("reject")) {
      throw Errors.config("command line", "--over-cap", "'" + overCap + "' is not one of queue, reject");
    }
    for (double rate : rates) {
      if (rate < 0 || rate > 1) {
        throw Errors.config("command line", "--rate-*", "fault rates must be between 0 and 1, cannot be: " + rate);
      }
    }
    Policy policy = PolicyLoader.load(Path.of(policyPath));
    return "valid: simulate-llm (policy " + policy.id() + " v" + policy.version() + ")";
  }

  /** Checks that a local path exists; remote paths and glob patterns are left to the stage. */
  private static String localInput(String what, String key, String location) {
    boolean remote = location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") && !location.startsWith("file:");
    if (remote || location.matches(".*[*?\\[{].*")) {
      return what + " " + location + " not checked (remote or a pattern)";
    }
    Path path = Path.of(location.replaceFirst("^file:(//)?", ""));
    if (!Files.exists(path)) {
      throw Errors.missingInput(what, location + " (" + key + ", working directory "
          + Path.of("").toAbsolutePath() + ")", "Set " + key + " to an existing file or folder.");
    }
    return what + " " + location + " exists";
  }
}
