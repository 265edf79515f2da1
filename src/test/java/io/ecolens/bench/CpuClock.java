package io.ecolens.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of this JVM over a benchmark run, with the part spent in the simulator's threads (its
 * handlers, timers and HTTP dispatcher), so a benchmark can say what one request costs each side
 * whatever else the machine is doing. The rest (the client, GC, JIT) is the process total minus it.
 */
final class CpuClock {
  /** Milliseconds of CPU: the whole process and the simulator's threads. */
  record Split(double processMs, double simulatorMs) {}

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final long processStart;
  private final Map<Long, Long> simulatorStart;

  private CpuClock(long processStart, Map<Long, Long> simulatorStart) {
    this.processStart = processStart;
    this.simulatorStart = simulatorStart;
  }

  static CpuClock start() {
    return new CpuClock(processNanos(), simulatorThreads());
  }

  Split split() {
    long process = processNanos() - processStart;
    long sim = 0;
    for (Map.Entry<Long, Long> e : simulatorThreads().entrySet()) {
      sim += e.getValue() - simulatorStart.getOrDefault(e.getKey(), 0L);
    }
    return new Split(process / 1e6, sim / 1e6);
  }

  private static long processNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  private static Map<Long, Long> simulatorThreads() {
    Map<Long, Long> out = new HashMap<>();
    for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (t != null && (t.getThreadName().startsWith("llm-sim-") || t.getThreadName().startsWith("HTTP-Dispatcher"))) {
        long cpu = THREADS.getThreadCpuTime(t.getThreadId());
        if (cpu >= 0) {
          out.put(t.getThreadId(), cpu);
        }
      }
    }
    return out;
  }
}
