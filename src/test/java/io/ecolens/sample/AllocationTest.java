package io.ecolens.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AllocationTest {
  private static Map<String, Long> strata(Object... pairs) {
    Map<String, Long> m = new TreeMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], ((Number) pairs[i + 1]).longValue());
    }
    return m;
  }

  @Test
  void proportionalSizesAddUpExactly() {
    Map<String, Long> a = Allocation.proportional(strata("a", 500, "b", 300, "c", 200), 10, 0);
    assertThat(a).containsEntry("a", 5L).containsEntry("b", 3L).containsEntry("c", 2L);
  }

  @Test
  void remaindersGoToTheLargestFractions() {
    // exact shares 3.33, 3.33, 3.33 -> 3 each and one left over, given to the first by name
    Map<String, Long> a = Allocation.proportional(strata("a", 100, "b", 100, "c", 100), 10, 0);
    assertThat(a.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(10);
    assertThat(a).containsEntry("a", 4L).containsEntry("b", 3L).containsEntry("c", 3L);
  }

  @Test
  void floorLiftsSmallStrataButNeverAboveTheirSize() {
    Map<String, Long> a = Allocation.proportional(strata("big", 10_000, "tiny", 1, "small", 40), 100, 5);
    assertThat(a.get("tiny")).isEqualTo(1L);
    assertThat(a.get("small")).isEqualTo(5L);
    assertThat(a.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(100);
  }

  @Test
  void sampleAsLargeAsThePopulationTakesEverything() {
    assertThat(Allocation.proportional(strata("a", 3, "b", 2), 10, 1)).containsEntry("a", 3L).containsEntry("b", 2L);
  }
}
