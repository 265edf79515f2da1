package io.ecolens;

/** Factory for every {@link EcolensException}; each message names the problem, cause and fix. */
public final class Errors {
  /** Exit code for a configuration or usage error. */
  public static final int EXIT_CONFIG = 2;
  /** Exit code for input data that cannot be read at all. */
  public static final int EXIT_INPUT = 3;
  /** Exit code for a failed stage (a bug or an unavailable dependency). */
  public static final int EXIT_STAGE = 4;
  /** Exit code for a run that completed but failed one of its run-over-run quality gates. */
  public static final int EXIT_GATE = 5;
  /**
   * Exit code for a score stage stopped because most items it tried failed (the judge returned
   * nothing usable): a fault of the scorer's setup, not of the quality it measures.
   */
  public static final int EXIT_SCORING = 6;
  /** {@code score --submit} or {@code --collect}: batches of the run are still at the provider; collect again later. */
  public static final int EXIT_BATCHES_RUNNING = 7;

  private Errors() {}

  public static EcolensException config(String source, String key, String problem) {
    return new EcolensException(
        "Invalid configuration in " + source + " at '" + key + "': " + problem, EXIT_CONFIG, null);
  }

  public static EcolensException config(String source, String key, String problem, Throwable cause) {
    return new EcolensException(
        "Invalid configuration in " + source + " at '" + key + "': " + problem, EXIT_CONFIG, cause);
  }

  public static EcolensException unreadableConfig(String source, Throwable cause) {
    return new EcolensException(
        "Cannot read configuration " + source + ": " + cause.getMessage()
            + ". Check that the file exists and is valid YAML.",
        EXIT_CONFIG,
        cause);
  }

  public static EcolensException policy(String source, String key, String problem) {
    return new EcolensException(
        "Invalid policy file " + source + " at '" + key + "': " + problem, EXIT_CONFIG, null);
  }

  public static EcolensException missingInput(String what, String path, String fix) {
    return new EcolensException(
        "No " + what + " found at " + path + ". " + fix, EXIT_INPUT, null);
  }

  public static EcolensException missingColumns(String what, Iterable<String> columns, String fix) {
    return new EcolensException(
        what + " lacks required column(s) " + String.join(", ", columns) + ". " + fix,
        EXIT_INPUT,
        null);
  }

  public static EcolensException missingRun(String table, String runId, String fix) {
    return new EcolensException(
        "Table " + table + " has no rows for run_id '" + runId + "'. " + fix, EXIT_INPUT, null);
  }

  public static EcolensException stageFailed(String stage, String problem, Throwable cause) {
    return new EcolensException(
        "Stage '" + stage + "' failed: " + problem, EXIT_STAGE, cause);
  }

  /**
   * The score stage stopped because too many of the items it tried failed; {@code problem} says how
   * many, the most common reason and the likely fix.
   */
  public static EcolensException scoringFailed(String problem) {
    return new EcolensException("Scoring failed systemically: " + problem, EXIT_SCORING, null);
  }
}
