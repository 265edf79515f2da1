#!/usr/bin/env bash
# Benchmarks (not timed tests). Each case prints its figures and ends with a line
#   RESULT <metric> <value>
#   jobs/bench.sh fanout [--items 20000 --latency-ms 200 --caps 16,64,256 --items-per-request 10
#                         --tasks 2 --naive-items 2000]
# fanout: the openai scorer's fan-out against the LLM simulator on loopback, next to naive
# synchronous scoring (one request in flight per task).
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  fanout)
    shift
    ECOLENS_JAVA_OPTS="${ECOLENS_JAVA_OPTS:--Xmx2g}"
    jobs/run-local.sh --version >/dev/null # builds when stale
    exec java $ECOLENS_JAVA_OPTS -Dlog4j2.configurationFile=conf/log4j2.properties \
      -cp "target/classes:$(cat target/local-classpath.txt)" io.ecolens.simulator.FanoutBench "$@"
    ;;
  *)
    echo "usage: jobs/bench.sh fanout [options]" >&2
    exit 2
    ;;
esac
