package io.ecolens.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void lineShowsDoneRateElapsedAndEta() {
    assertThat(Progress.line("score", "items", 1200, 2000, 4.0))
        .isEqualTo("score: 1,200 / 2,000 items (60%), 300 items/s, elapsed 0:04, ETA 0:03");
  }

  @Test
  void unknownTotalHasNoEta() {
    assertThat(Progress.line("ingest", "rows", 10, 0, 2.0)).isEqualTo("ingest: 10 rows, 5 rows/s, elapsed 0:02");
  }

  @Test
  void clockUsesHoursWhenLong() {
    assertThat(Progress.clock(3725)).isEqualTo("1:02:05");
  }
}
