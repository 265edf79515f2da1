package io.ecolens.testing;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
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

  /**
   * The command line that starts the ecolens CLI in a short-lived JVM of its own: this JVM's class
   * path and module opens, and the project's logging configuration with its log file at
   * {@code logFile}; the CLI's arguments follow.
   */
  public static List<String> cli(Path logFile) {
    List<String> args = new ArrayList<>();
    args.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    args.add("-Xmx1g");
    args.addAll(SHORT_LIVED);
    for (String jvm : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (jvm.startsWith("--add-opens") || jvm.startsWith("--add-exports")) {
        args.add(jvm);
      }
    }
    args.add("-Dlog4j2.configurationFile=conf/log4j2.properties");
    args.add("-Decolens.log.file=" + logFile);
    args.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.ecolens.cli.EcolensCli"));
    return args;
  }
}
