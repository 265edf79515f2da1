#!/usr/bin/env bash
# Benchmarks, one case per argument:
#   jobs/bench.sh evaluate [--small]   evaluate metrics over generated score rows with labels:
#                                      1M and 10M rows (--small: 100k and 1M), wall time and driver
#                                      peak heap; last line: RESULT evaluate_10m_seconds <value>
# Runs on local[2] by default (BENCH_MASTER to change), driver heap from BENCH_XMX (default 4g).
set -euo pipefail
cd "$(dirname "$0")/.."

test_classpath() {
  mvn -B -q test-compile >&2
  mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >&2
  echo "target/classes:target/test-classes:$(cat target/bench-classpath.txt)"
}

opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
 --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
 --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
 --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
 --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
 --add-opens=java.base/sun.util.calendar=ALL-UNNAMED"

bench_evaluate() {
  local sizes=(1000000 10000000)
  if [[ "${1:-}" == "--small" ]]; then sizes=(100000 1000000); fi
  local cp; cp="$(test_classpath)"
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM, $(java -version 2>&1 | head -1)"
  # shellcheck disable=SC2086
  java -Xmx"${BENCH_XMX:-4g}" $opens -Dbench.master="${BENCH_MASTER:-local[2]}" \
    -Dlog4j2.configurationFile=conf/log4j2.properties \
    -cp "$cp" io.ecolens.bench.EvaluateBench "${sizes[@]}"
}

case "${1:-}" in
  evaluate) shift; bench_evaluate "$@" ;;
  *) echo "usage: jobs/bench.sh evaluate [--small]" >&2; exit 2 ;;
esac
