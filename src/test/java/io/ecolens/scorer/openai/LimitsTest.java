package io.ecolens.scorer.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.config.OpenAiSettings;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LimitsTest {
  private static OpenAiSettings limits(int concurrency, int rpm, int tpm) {
    return new OpenAiSettings(null, null, null, null, null, concurrency, rpm, tpm, null, null, null, null, null,
        null, null, null);
  }

  @Test
  void taskSharesAddUpToTheGlobalLimitsNeverMore() {
    for (int global : new int[] {1, 7, 16, 64, 256}) {
      for (int tasks = 1; tasks <= Math.min(global, 12); tasks++) {
        int sum = 0;
        double rpm = 0;
        for (int p = 0; p < tasks; p++) {
          TaskShare s = TaskShare.of(limits(global, 600, 90_000), tasks, p);
          assertThat(s.concurrency()).isPositive();
          sum += s.concurrency();
          rpm += s.requestsPerMinute();
        }
        assertThat(sum).as("global %d over %d tasks", global, tasks).isEqualTo(global);
        assertThat(rpm).isCloseTo(600.0, org.assertj.core.data.Offset.offset(1e-9));
      }
    }
    assertThatThrownBy(() -> TaskShare.of(limits(8, 0, 0), 0, 0)).hasMessageContaining("at least 1");
  }

  @Test
  void windowHalvesOnThrottleOnceAPerRoundTripAndGrowsBack() {
    long t = 0;
    long rtt = TimeUnit.MILLISECONDS.toNanos(200);
    AdaptiveLimit limit = new AdaptiveLimit(new TaskShare(16, 0, 0), t);
    assertThat(limit.window()).isEqualTo(16);
    limit.onThrottle(t, TimeUnit.SECONDS.toNanos(2), rtt, 16);
    limit.onThrottle(t + 1, 0, rtt, 16); // same burst: no second cut
    assertThat(limit.window()).isEqualTo(8);
    assertThat(limit.canSend(t + TimeUnit.SECONDS.toNanos(1), 0, 10)).as("Retry-After honoured").isFalse();
    assertThat(limit.canSend(t + TimeUnit.SECONDS.toNanos(2), 0, 10)).isTrue();
    limit.onThrottle(t + rtt, 0, rtt, 8);
    assertThat(limit.window()).isEqualTo(4);
    limit.onThrottle(t + 2 * rtt, 0, rtt, 2);
    assertThat(limit.window()).as("halved from the 2 in flight, not from the window of 4").isEqualTo(1);
    for (int i = 0; i < 500; i++) {
      limit.onSuccess();
    }
    assertThat(limit.window()).isEqualTo(16);
    long afterPause = t + TimeUnit.SECONDS.toNanos(2);
    assertThat(limit.canSend(afterPause, 16, 10)).as("a full window").isFalse();
    assertThat(limit.canSend(afterPause, 15, 10)).isTrue();
  }

  @Test
  void requestsPerMinuteBucketSpacesRequests() {
    long t = 0;
    AdaptiveLimit limit = new AdaptiveLimit(new TaskShare(100, 60, 0), t); // one request per second
    assertThat(limit.canSend(t, 0, 1)).isTrue();
    limit.onSent(t, 1);
    assertThat(limit.canSend(t, 1, 1)).isFalse();
    assertThat(limit.nanosUntilReady(t, 1)).isBetween(TimeUnit.MILLISECONDS.toNanos(990), TimeUnit.SECONDS.toNanos(1));
    assertThat(limit.canSend(t + TimeUnit.SECONDS.toNanos(1), 1, 1)).isTrue();
  }
}
