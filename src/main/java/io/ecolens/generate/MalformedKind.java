package io.ecolens.generate;

/** The ways a generated corpus line is broken on purpose, each recognisable on its own. */
public enum MalformedKind {
  /** The line is a well-formed item's JSON cut in half, so it does not parse. */
  BROKEN_JSON("broken_json"),
  /** A JSON object without a {@code content_id} field. */
  MISSING_ID("missing_id"),
  /** {@code "views": "lots"}: a count field holds a string. */
  WRONG_TYPES("wrong_types"),
  /** Title, description and transcript all empty, and no hashtags. */
  EMPTY_TEXT("empty_text"),
  /** A transcript of {@link SyntheticItems#HUGE_TEXT_CHARS} characters (over 1,000,000). */
  HUGE_TEXT("huge_text"),
  /** {@code created_at} is {@value SyntheticItems#BAD_TIMESTAMP}, not ISO-8601. */
  BAD_TIMESTAMP("bad_timestamp"),
  /** An exact copy of another, well-formed line (same content_id). */
  DUPLICATE_ID("duplicate_id");

  private final String id;

  MalformedKind(String id) {
    this.id = id;
  }

  /** The snake_case name used in the manifest. */
  public String id() {
    return id;
  }
}
