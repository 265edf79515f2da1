package io.ecolens.generate;

import java.io.Serializable;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Where the malformed lines of a corpus are and what kind each is: one at a random position in
 * each of {@code malformedRows} equal blocks of indices, the kinds taking turns; and which
 * well-formed line a {@code duplicate_id} line copies.
 */
final class MalformedLayout implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final MalformedKind[] KINDS = MalformedKind.values();

  private final RandomStreams streams;
  private final long rows;
  private final long malformedRows;

  MalformedLayout(RandomStreams streams, long rows, long malformedRows) {
    this.streams = streams;
    this.rows = rows;
    this.malformedRows = malformedRows;
  }

  /** The kind of the line at an (in-range) index, or empty when it is a well-formed item. */
  Optional<MalformedKind> kind(long index) {
    if (malformedRows == 0) {
      return Optional.empty();
    }
    long block = Math.min(malformedRows - 1, (long) ((double) index * malformedRows / rows));
    while (block > 0 && blockStart(block) > index) {
      block--;
    }
    while (block + 1 < malformedRows && blockStart(block + 1) <= index) {
      block++;
    }
    long start = blockStart(block);
    long position = start + streams.random(RandomStreams.MALFORMED, block).nextLong(blockStart(block + 1) - start);
    if (position != index) {
      return Optional.empty();
    }
    MalformedKind kind = KINDS[(int) Math.floorMod(block + streams.seed(), (long) KINDS.length)];
    // Past MAX_HUGE_TEXT_LINES one-MiB lines a large corpus would be mostly padding (10M rows
    // would carry ~7 GB of it); later huge-text slots hold wrong-type lines instead.
    if (kind == MalformedKind.HUGE_TEXT && block / KINDS.length >= SyntheticItems.MAX_HUGE_TEXT_LINES) {
      kind = MalformedKind.WRONG_TYPES;
    }
    return Optional.of(kind);
  }

  // Block j of the malformed layout is [blockStart(j), blockStart(j + 1)); blockStart(m) == rows.
  private long blockStart(long block) {
    return block * (rows / malformedRows) + block * (rows % malformedRows) / malformedRows;
  }

  /** The index of the well-formed line a duplicate_id line at this index copies, or -1. */
  long duplicateSource(long index) {
    if (malformedRows == rows) {
      return -1;
    }
    SplittableRandom r = streams.random(RandomStreams.DUPLICATE, index);
    long start = index == 0 ? 0 : index - 1 - r.nextLong(Math.min(index, 1_000));
    for (long i = start; i >= 0; i--) {
      if (i != index && kind(i).isEmpty()) {
        return i;
      }
    }
    for (long i = index + 1; i < rows; i++) {
      if (kind(i).isEmpty()) {
        return i;
      }
    }
    return -1;
  }
}
