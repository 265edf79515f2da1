package io.ecolens.spark;

import java.util.Arrays;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/** Scala sequences for the Dataset methods Java cannot call with a List (e.g. multi-column joins). */
public final class Seqs {
  private Seqs() {}

  /** The given column names as a Scala Seq. */
  public static Seq<String> of(String... names) {
    return JavaConverters.asScalaBuffer(Arrays.asList(names)).toSeq();
  }
}
