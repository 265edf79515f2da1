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

  /** Equal sizes per stratum (capped at each stratum's population, the rest shared out), exact in total. */
  public static Map<String, Long> equal(Map<String, Long> population, long size, long minPerStratum) {
    Map<String, Double> weights = new LinkedHashMap<>();
    population.keySet().forEach(k -> weights.put(k, 1.0));
    return weighted(population, weights, size, minPerStratum);
  }

  /**
   * Neyman allocation for a proportion: n_h ∝ N_h sqrt(p_h (1 − p_h)) with a prior prevalence p_h
   * per stratum ({@code defaultPrior} for strata not listed); minimises the variance of the
   * stratified estimate for a given total.
   */
  public static Map<String, Long> neyman(Map<String, Long> population, Map<String, Double> priors, double defaultPrior,
      long size, long minPerStratum) {
    Map<String, Double> weights = new LinkedHashMap<>();
    population.forEach((k, n) -> {
      double p = priors.getOrDefault(k, defaultPrior);
      weights.put(k, n * Math.sqrt(p * (1 - p)));
    });
    return weighted(population, weights, size, minPerStratum);
  }

  /** Fixed sizes per stratum (capped at the population); strata not listed get the floor. */
  public static Map<String, Long> fixed(Map<String, Long> population, Map<String, Long> sizes, long minPerStratum) {
    Map<String, Long> result = new LinkedHashMap<>();
    population.forEach((k, n) -> result.put(k, Math.min(n, sizes.getOrDefault(k, minPerStratum))));
    return result;
  }

  /**
   * Sizes proportional to {@code weights}, adding up to {@code size} (or the whole population when
   * smaller): strata whose share falls below their floor get the floor, strata whose share exceeds
   * their population are taken whole, and the rest is shared again until neither happens; then
   * largest-remainder rounding (ties by stratum name).
   */
  public static Map<String, Long> weighted(Map<String, Long> population, Map<String, Double> weights, long size,
      long minPerStratum) {
    long total = population.values().stream().mapToLong(Long::longValue).sum();
    Map<String, Long> result = new LinkedHashMap<>();
    if (size >= total) {
      population.forEach(result::put);
      return result;
    }
    Map<String, Long> fixedAt = new LinkedHashMap<>();
    Map<String, Double> exact = new LinkedHashMap<>();
    boolean changed = true;
    while (changed) {
      changed = false;
      long free = size - fixedAt.values().stream().mapToLong(Long::longValue).sum();
      double freeWeight = population.keySet().stream().filter(k -> !fixedAt.containsKey(k))
          .mapToDouble(k -> weights.getOrDefault(k, 0.0)).sum();
      exact.clear();
      for (Map.Entry<String, Long> e : population.entrySet()) {
        String k = e.getKey();
        if (fixedAt.containsKey(k)) {
          continue;
        }
        double share = freeWeight <= 0 ? 0 : Math.max(0, free) * weights.getOrDefault(k, 0.0) / freeWeight;
        long floor = Math.min(minPerStratum, e.getValue());
        if (share < floor) {
          fixedAt.put(k, floor);
          changed = true;
        } else if (share > e.getValue()) {
          fixedAt.put(k, e.getValue());
          changed = true;
        }
        exact.put(k, share);
      }
    }
    record Share(String stratum, double remainder) {}
    List<Share> shares = new ArrayList<>();
    long assigned = 0;
    for (String k : population.keySet()) {
      long n = fixedAt.containsKey(k) ? fixedAt.get(k) : (long) Math.floor(exact.get(k));
      result.put(k, n);
      assigned += n;
      if (!fixedAt.containsKey(k)) {
        shares.add(new Share(k, exact.get(k) - Math.floor(exact.get(k))));
      }
    }
    shares.sort(Comparator.comparingDouble(Share::remainder).reversed().thenComparing(Share::stratum));
    long left = size - assigned;
    for (Share sh : shares) {
      if (left <= 0) {
        break;
      }
      if (result.get(sh.stratum()) < population.get(sh.stratum())) {
        result.merge(sh.stratum(), 1L, Long::sum);
        left--;
      }
    }
    return result;
  }
}
