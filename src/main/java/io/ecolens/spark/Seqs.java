package io.ecolens.spark;

import java.util.Arrays;
import scala.collection.JavaConverters;
import scala.collection.immutable.Seq;

/**
 * Scala sequences for the Dataset methods Java cannot call with a List (e.g. multi-column joins).
 * An immutable Seq fits both Scala lines: Spark on 2.12 takes a scala.collection.Seq, which it is,
 * and Spark on 2.13 takes a scala.collection.immutable.Seq.
 */
public final class Seqs {
  private Seqs() {}

  /** The given column names as a Scala Seq. */
  @SuppressWarnings("deprecation") // JavaConverters: deprecated in 2.13, the one converter 2.12 has
  public static Seq<String> of(String... names) {
    return JavaConverters.asScalaBuffer(Arrays.asList(names)).toList();
  }
}
