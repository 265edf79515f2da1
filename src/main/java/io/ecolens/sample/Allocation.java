package io.ecolens.sample;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Proportional allocation of a sample over strata with a floor per stratum, exact in total:
 * largest-remainder rounding, never more than a stratum holds. Pure.
 */
public final class Allocation {
  private Allocation() {}

  /**
   * Sample sizes per stratum, adding up to {@code size}. When the floors alone exceed {@code
   * size}, every stratum still gets its floor (capped at its population) and the total exceeds it.
   */
  public static Map<String, Long> proportional(Map<String, Long> population, long size, long minPerStratum) {
    long total = population.values().stream().mapToLong(Long::longValue).sum();
    Map<String, Long> result = new LinkedHashMap<>();
    if (total == 0) {
      return result;
    }
    if (size >= total) {
      population.forEach(result::put);
      return result;
    }
    // Strata whose proportional share falls below their floor get the floor; the rest of the
    // sample is shared proportionally among the others, repeated until no share falls below.
    Map<String, Long> floors = new LinkedHashMap<>();
    population.forEach((k, v) -> floors.put(k, Math.min(minPerStratum, v)));
    java.util.Set<String> fixed = new java.util.HashSet<>();
    Map<String, Double> exact = new LinkedHashMap<>();
    boolean changed = true;
    while (changed) {
      changed = false;
      long free = size - fixed.stream().mapToLong(floors::get).sum();
      long freePopulation = population.entrySet().stream()
          .filter(e -> !fixed.contains(e.getKey())).mapToLong(Map.Entry::getValue).sum();
      exact.clear();
      for (Map.Entry<String, Long> e : population.entrySet()) {
        if (fixed.contains(e.getKey())) {
          continue;
        }
        double share = freePopulation == 0 ? 0 : Math.max(0, free) * (double) e.getValue() / freePopulation;
        if (share < floors.get(e.getKey())) {
          fixed.add(e.getKey());
          changed = true;
        }
        exact.put(e.getKey(), share);
      }
    }
    record Share(String stratum, double remainder) {}
    List<Share> shares = new ArrayList<>();
    long assigned = 0;
    for (String stratum : population.keySet()) {
      long n = fixed.contains(stratum) ? floors.get(stratum) : (long) Math.floor(exact.get(stratum));
      result.put(stratum, n);
      assigned += n;
      if (!fixed.contains(stratum)) {
        shares.add(new Share(stratum, exact.get(stratum) - Math.floor(exact.get(stratum))));
      }
    }
    // Hand out what rounding left by largest remainder (ties by stratum name: deterministic).
    shares.sort(Comparator.comparingDouble(Share::remainder).reversed().thenComparing(Share::stratum));
    long left = size - assigned;
    for (Share s : shares) {
      if (left <= 0) {
        break;
      }
      if (result.get(s.stratum()) < population.get(s.stratum())) {
        result.merge(s.stratum(), 1L, Long::sum);
        left--;
      }
    }
    return result;
  }
}
