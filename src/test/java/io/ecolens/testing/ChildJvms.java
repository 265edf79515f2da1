package io.ecolens.testing;

import java.util.List;

/** Settings of the JVMs that tests start beside their own (CLI processes, a test cluster's processes). */
public final class ChildJvms {
  /**
   * Flags for a JVM that lives for a test's few hundred rows on two cores shared with the test JVM:
   * there the optimising compiler's work costs more CPU than its code saves (C1 only), and the
   * serial collector needs no threads of its own.
   */
  public static final List<String> SHORT_LIVED = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  private ChildJvms() {}
}
