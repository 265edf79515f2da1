#!/usr/bin/env bash
# Runs ecolens on this machine: Spark local[*], Delta tables under ./warehouse.
#   jobs/run-local.sh                      # = run --conf conf/local.yaml (the whole demo pipeline)
#   jobs/run-local.sh ingest --run-id r1   # one stage
#   jobs/run-local.sh --help
#   ECOLENS_SPARK=4.1 jobs/run-local.sh    # the same on the Spark 4.1 / Scala 2.13 build
# Builds the project first when the build is missing or older than the sources.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -eq 0 ]]; then
  set -- run --conf conf/local.yaml
fi

# ECOLENS_SPARK=4.1 runs the Spark 4.1 / Scala 2.13 build (see jobs/spark-line.sh)
source jobs/spark-line.sh
jar=$build_dir/classes
cp_file=$build_dir/local-classpath.txt
stale=0
if [[ ! -f "$cp_file" || ! -d "$jar" ]]; then
  stale=1
elif [[ -n "$(find pom.xml src/main -newer "$cp_file" -print -quit)" ]]; then
  stale=1
fi
if [[ $stale -eq 1 ]]; then
  echo "building ecolens (mvn -q ${mvn_line[*]:+${mvn_line[*]} }-DskipTests package)..." >&2
  mvn -B -q ${mvn_line[@]+"${mvn_line[@]}"} -DskipTests package >&2
  touch "$cp_file"
fi

opens=$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' pom.xml)
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
exec java ${ECOLENS_JAVA_OPTS:--Xmx4g} $opens \
  -Dlog4j2.configurationFile=conf/log4j2.properties \
  -cp "$jar:$(cat "$cp_file")" io.ecolens.cli.EcolensCli "$@"
