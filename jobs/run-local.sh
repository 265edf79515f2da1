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
cp_file=$build_dir/local-classpath.txt
# the application's own jar (not the -app or Spark-line jar): the JVM's class archive below takes jars only
app_jar() {
  for f in "$build_dir"/ecolens-*.jar; do
    case "$f" in *-app.jar|*-spark*_2.1[23].jar) ;; *) [[ -f "$f" ]] && echo "$f" ;; esac
  done
  return 0
}
stale=0
if [[ ! -f "$cp_file" || -z "$(app_jar)" ]]; then
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
# the parallel collector: on two cores G1's concurrent threads take CPU from the run's own work
java_opts=(${ECOLENS_JAVA_OPTS:--Xmx4g -XX:+UseParallelGC} $opens -Dlog4j2.configurationFile=conf/log4j2.properties)

app_jar=$(app_jar)
classpath="$app_jar:$(cat "$cp_file")"

# A class-data archive (AppCDS) of the ~20,000 classes a run loads from Spark, Delta, Hive and
# ecolens, parsed and verified once: each run maps it instead of loading them from ~250 jars and
# starts about 9 s sooner (the demo: ~87 s against ~96 s on two cores). It is recorded once per
# build by a short run on a tiny corpus in a scratch folder; ECOLENS_CDS=off runs without it.
archive=$build_dir/ecolens-classes.jsa
archive_stale() { [[ ! -f "$archive" || "$cp_file" -nt "$archive" || "$app_jar" -nt "$archive" ]]; }
cds=()
if [[ "${ECOLENS_CDS:-on}" != off ]]; then
  if archive_stale; then
    # one recording at a time: runs started together after a build wait for the first one's archive
    if command -v flock >/dev/null; then
      exec 9>"$archive.lock"
      flock 9
    fi
    if archive_stale; then
      echo "recording the JVM class archive for this build (once per build, about 100 s; ECOLENS_CDS=off skips it)..." >&2
      scratch=$(mktemp -d)
      if java "${java_opts[@]}" -XX:ArchiveClassesAtExit="$scratch/classes.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
          -cp "$classpath" io.ecolens.cli.EcolensCli run --conf conf/local.yaml --run-id class-archive \
          --set generate.rows=400 --set sample.size=80 --set "generate.output=$scratch/demo" \
          --set "input.corpus.path=$scratch/demo/corpus" --set "input.labels.path=$scratch/demo/labels" \
          --set "catalog.warehouse=$scratch/warehouse" --set catalog.server=false --set "report.output=$scratch/reports" \
          > "$scratch/run.log" 2>&1 && [[ -s "$scratch/classes.jsa" ]]; then
        mv -f "$scratch/classes.jsa" "$archive"
        rm -rf "$scratch"
      else
        echo "the class archive was not recorded (see $scratch/run.log); running without it" >&2
      fi
    fi
    exec 9>&-
  fi
  if [[ -f "$archive" ]] && ! archive_stale; then
    cds=(-XX:SharedArchiveFile="$archive" -Xlog:cds=off -Xlog:cds+dynamic=off)
  fi
fi

exec java "${java_opts[@]}" ${cds[@]+"${cds[@]}"} -cp "$classpath" io.ecolens.cli.EcolensCli "$@"
