package io.ecolens.cli;

import io.ecolens.Errors;
import io.ecolens.config.EcolensConfig;
import io.ecolens.config.RunId;
import io.ecolens.config.Validation;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import java.nio.file.Path;

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
    Validation.Inputs inputs = switch (command) {
      case "ingest" -> Validation.Inputs.CORPUS;
      case "run" -> Validation.Inputs.CORPUS_UNLESS_GENERATED;
      default -> Validation.Inputs.TABLES;
    };
    return "valid: " + command + " (" + String.join(", ", Validation.check(config, RunId.of(runId), inputs)) + ")";
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
}
