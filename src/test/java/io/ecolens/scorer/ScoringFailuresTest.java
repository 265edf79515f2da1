package io.ecolens.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The failure bound, the most common reason and the fix it points to, from hand-made counts. */
class ScoringFailuresTest {
  private static final String SCHEMA = "malformed answer: not a JSON object with an 'items' array";

  @Test
  void reasonsCountTogetherWithoutTheirAttemptCounts() {
    assertThat(ScoringFailures.reasonOf(SCHEMA + " (after 2 attempts)")).isEqualTo(SCHEMA);
    assertThat(ScoringFailures.reasonOf("HTTP 500: boom (after 1 attempt)")).isEqualTo("HTTP 500: boom");
    assertThat(ScoringFailures.reasonOf(null)).isEqualTo("unknown error");

    ScoringFailures f = ScoringFailures.of(12, Map.of(SCHEMA, 9L, "malformed answer: item missing from the answer", 3L));
    assertThat(f.failed()).isEqualTo(12);
    assertThat(f.topReason()).isEqualTo(SCHEMA);
    assertThat(f.topReasonItems()).isEqualTo(9);
    assertThat(f.describe()).isEqualTo("12 of the 12 items tried failed (100%); most common error (9 items): \""
        + SCHEMA + "\"");
  }

  @Test
  void theBoundNeedsEnoughItemsTriedOrAllOfASmallRun() {
    // the default bound: half of at least 10 items
    assertThat(new ScoringFailures(12, 12, SCHEMA, 12).systemic(0.5, 10, 12)).isTrue();
    assertThat(new ScoringFailures(12, 6, SCHEMA, 6).systemic(0.5, 10, 12)).isTrue();
    assertThat(new ScoringFailures(12, 5, SCHEMA, 5).systemic(0.5, 10, 12)).isFalse();
    assertThat(new ScoringFailures(9, 9, SCHEMA, 9).systemic(0.5, 10, 2000)).as("too few tried to tell").isFalse();
    // a run of 3 items, all failed: small runs count too
    assertThat(new ScoringFailures(3, 3, SCHEMA, 3).systemic(0.5, 10, 3)).isTrue();
    assertThat(new ScoringFailures(0, 0, null, 0).systemic(0.5, 10, 0)).isFalse();
    assertThat(new ScoringFailures(40, 0, null, 0).systemic(0.5, 10, 40)).isFalse();
  }

  @Test
  void theFixFollowsTheMostCommonReason() {
    assertThat(new ScoringFailures(12, 12, SCHEMA, 12).likelyFix())
        .contains("does not follow the answer schema", "score.openai.response-format", "a larger model",
            "score.openai.items-per-request", "score.openai.max-output-tokens");
    assertThat(new ScoringFailures(5, 5, "unreadable answer: JsonParseException x", 5).likelyFix())
        .contains("answer schema");
    assertThat(new ScoringFailures(5, 5, "timeout after 60000 ms", 5).likelyFix()).contains("score.openai.timeout-ms");
    assertThat(new ScoringFailures(5, 5, "HTTP 429 (rate limited)", 5).likelyFix()).contains("requests-per-minute");
    assertThat(new ScoringFailures(5, 5, "HTTP 503: overloaded", 5).likelyFix()).contains("up and healthy");
    assertThat(new ScoringFailures(5, 5, "HTTP 400: context length exceeded", 5).likelyFix())
        .contains("fewer score.openai.items-per-request");
  }
}
