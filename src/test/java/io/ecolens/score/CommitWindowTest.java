package io.ecolens.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.testing.SparkTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The window of scoring pieces: never more than its size running at once, every piece's result
 * handed back once, and a failure stops the rest before it is rethrown. Pieces here are plain
 * suppliers; latches, not sleeps, order them.
 */
class CommitWindowTest extends SparkTest {
  @Test
  void neverRunsMoreThanTheWindowAndHandsBackEveryPieceOnce() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    List<Long> done = new ArrayList<>();
    try (CommitWindow<Long> window = new CommitWindow<>(spark.sparkContext(), 2)) {
      for (long piece = 0; piece < 6; piece++) {
        long p = piece;
        done.addAll(window.submit(piece, () -> {
          most.accumulateAndGet(running.incrementAndGet(), Math::max);
          running.decrementAndGet();
          return p;
        }));
      }
      done.addAll(window.drain());
    }
    assertThat(done).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L);
    assertThat(most.get()).isBetween(1, 2);
  }

  @Test
  void theNextPieceStartsWhileThePreviousOneIsStillRunning() throws Exception {
    CountDownLatch secondStarted = new CountDownLatch(1);
    try (CommitWindow<String> window = new CommitWindow<>(spark.sparkContext(), 2)) {
      assertThat(window.submit(0, () -> {
        try {
          // the first piece ends only once the second has started: a window of 1 would never get there
          return secondStarted.await(1, TimeUnit.MINUTES) ? "first" : "first, alone";
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      })).isEmpty();
      assertThat(window.submit(1, () -> {
        secondStarted.countDown();
        return "second";
      })).isEmpty();
      assertThat(window.drain()).containsExactlyInAnyOrder("first", "second");
    }
  }

  @Test
  void aFailedPieceIsRethrownAndNoPieceStartsAfterIt() {
    AtomicInteger started = new AtomicInteger();
    try (CommitWindow<String> window = new CommitWindow<>(spark.sparkContext(), 2)) {
      window.submit(0, () -> {
        started.incrementAndGet();
        throw new IllegalStateException("endpoint refused the key");
      });
      assertThatThrownBy(window::drain).isInstanceOf(IllegalStateException.class)
          .hasMessage("endpoint refused the key");
      window.submit(1, () -> {
        started.incrementAndGet();
        return "second";
      });
      assertThatThrownBy(window::drain).isInstanceOf(CancellationException.class)
          .hasMessageContaining("scoring stopped before piece 1 started");
    }
    assertThat(started.get()).isEqualTo(1);
  }

  @Test
  void aWindowOfOneRunsEachPieceOnTheCallingThread() {
    Thread caller = Thread.currentThread();
    try (CommitWindow<Boolean> window = new CommitWindow<>(spark.sparkContext(), 1)) {
      assertThat(window.submit(0, () -> Thread.currentThread() == caller)).containsExactly(true);
      assertThat(window.drain()).isEmpty();
    }
    assertThatThrownBy(() -> new CommitWindow<>(spark.sparkContext(), 0))
        .hasMessage("window must be at least 1, cannot be: 0");
  }
}
