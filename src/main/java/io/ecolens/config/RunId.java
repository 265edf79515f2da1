package io.ecolens.config;

import io.ecolens.Errors;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The name of a run, checked once where it enters ecolens (the command line, a test, an experiment):
 * it is stored in every table's {@code run_id}, written into Delta {@code replaceWhere} conditions
 * and used as the report's folder name, so it holds only letters, digits and {@code _ . -}.
 * {@code minted} says the id was made here ({@link #generated()}) rather than given, so no table can
 * hold rows of it yet.
 */
public record RunId(String value, boolean minted) {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

  public RunId {
    if (value == null || !VALID.matcher(value).matches()) {
      throw Errors.config("command line", "--run-id", "'" + value + "' may only hold letters, digits and _ . -"
          + " (at most 100 characters, starting with a letter or digit): it names table rows and the report folder");
    }
  }

  /** Checks {@code value}; fails with a configuration error (exit code 2) naming the rule. */
  public static RunId of(String value) {
    return new RunId(value, false);
  }

  /** A new run id from the UTC time and four random hex digits, e.g. 20261125-142233-7f3a. */
  public static RunId generated() {
    return new RunId(LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
        + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000)), true);
  }

  /** The run id of an experiment variant's scoring: {@code <run id>.<variant>}. */
  public RunId variant(String variant) {
    return new RunId(value + "." + variant, false);
  }

  @Override
  public String toString() {
    return value;
  }
}
