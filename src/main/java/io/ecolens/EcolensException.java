package io.ecolens;

/**
 * The one exception family ecolens raises for users. Messages say what went wrong, why, and
 * how to fix it; create instances through {@link Errors}.
 */
public final class EcolensException extends RuntimeException {
  private final int exitCode;

  EcolensException(String message, int exitCode, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** The process exit code the CLI uses for this failure. */
  public int exitCode() {
    return exitCode;
  }
}
