package io.ecolens.generate;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * The corpus's random streams, one per concern (content, violations, labels, timestamps,
 * malformed rows, duplicates): each draw is a pure function of (seed, stream, index), so a line
 * comes out the same whichever machine or partition computes it.
 */
final class RandomStreams implements Serializable {
  private static final long serialVersionUID = 1L;

  static final long CONTENT = 1;
  static final long VIOLATION = 2;
  static final long LABEL = 3;
  static final long TIME = 4;
  static final long MALFORMED = 5;
  static final long DUPLICATE = 6;

  private final long seed;

  RandomStreams(long seed) {
    this.seed = seed;
  }

  long seed() {
    return seed;
  }

  /** The random numbers of one stream for the line at an index. */
  SplittableRandom random(long stream, long index) {
    return new SplittableRandom(mix(mix(mix(seed) + stream) + index));
  }

  // SplitMix64's finaliser: nearby (seed, stream, index) triples get unrelated seeds.
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
