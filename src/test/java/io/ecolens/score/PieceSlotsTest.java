package io.ecolens.score;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When two scoring pieces may run at once: never when their tasks together could pass max-concurrency. */
class PieceSlotsTest {
  @Test
  void localMastersGiveTheirThreadCountDividedByCpusPerTask() {
    assertThat(PieceSlots.taskSlots("local", 8, 1, 0)).isEqualTo(1);
    assertThat(PieceSlots.taskSlots("local[2]", 8, 1, 0)).isEqualTo(2);
    assertThat(PieceSlots.taskSlots("local[*]", 8, 1, 0)).isEqualTo(8);
    assertThat(PieceSlots.taskSlots("local[4,3]", 8, 1, 0)).isEqualTo(4);
    assertThat(PieceSlots.taskSlots("local[*]", 8, 2, 0)).isEqualTo(4);
  }

  @Test
  void aClusterWhoseCoresAreUnknownHasNoSlotCount() {
    assertThat(PieceSlots.taskSlots("spark://host:7077", 8, 1, 0)).isZero();
    assertThat(PieceSlots.taskSlots("yarn", 8, 1, 16)).isEqualTo(16);
  }

  @Test
  void piecesOverlapOnlyWhenNoMoreTasksThanPartitionsRunWithEqualShares() {
    assertThat(PieceSlots.overlapSafe(2, false, 2, 16)).isTrue();
    assertThat(PieceSlots.overlapSafe(2, false, 4, 64)).isTrue();
    // more slots than partitions: two pieces' tasks could run together, each with its full share
    assertThat(PieceSlots.overlapSafe(4, false, 2, 16)).isFalse();
    // unequal shares (17 over 2): a task with the larger share could replace one with the smaller
    assertThat(PieceSlots.overlapSafe(2, false, 2, 17)).isFalse();
    assertThat(PieceSlots.overlapSafe(0, false, 2, 16)).isFalse();
    assertThat(PieceSlots.overlapSafe(2, true, 2, 16)).isFalse();
  }
}
