package io.ecolens.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CommonPoolTest {
  private static final String OPTION = "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2";

  /** What a fresh JVM reports: before and after {@link CommonPool#widen()}, as the first thing in main. */
  public static final class Probe {
    public static void main(String[] args) {
      if (args.length > 0 && args[0].equals("widen")) {
        CommonPool.widen();
      }
      System.out.print(CommonPool.threadPerCompletion() ? "thread-per-completion" : "common-pool");
    }
  }

  @Test
  void aTwoCoreJvmStartsAThreadPerCompletionUnlessWidenedAtStart() throws Exception {
    assertEquals("thread-per-completion", probe(2));
    assertEquals("common-pool", probe(2, "widen"));
    assertEquals("common-pool", probe(4), "3 worker threads by default on 4 cores");
  }

  @Test
  void executorsWithUpToTwoCoresGetTheOptionAddedToTheirs() {
    assertEquals(OPTION, CommonPool.executorJavaOption(null, null));
    assertEquals("-Xss4m " + OPTION, CommonPool.executorJavaOption(" -Xss4m ", "2"));
    assertEquals("-Xss4m " + OPTION, CommonPool.executorJavaOption("-Xss4m", "1"));
    assertEquals("-Xss4m", CommonPool.executorJavaOption("-Xss4m", "4"), "4 cores: parallelism 3 already");
    assertEquals("-Djava.util.concurrent.ForkJoinPool.common.parallelism=8",
        CommonPool.executorJavaOption("-Djava.util.concurrent.ForkJoinPool.common.parallelism=8", "1"),
        "the user's own setting stays");
    assertEquals("", CommonPool.executorJavaOption("", "many"), "left to Spark to reject");
  }

  private static String probe(int cores, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:ActiveProcessorCount=" + cores, "-cp", System.getProperty("java.class.path"),
        Probe.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("probe JVM did not finish");
    }
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
