#!/usr/bin/env bash
# Submits ecolens to a cluster with spark-submit (YARN, Kubernetes or standalone).
#   jobs/submit.sh --master yarn --deploy-mode cluster --conf-file conf/cluster-example.yaml -- run --run-id daily-2026-11-25
#   jobs/submit.sh --master spark://spark-master:7077 --conf-file conf/cluster-standalone.yaml -- run
# Everything before '--' goes to spark-submit (plus --conf-file, the ecolens YAML to ship);
# everything after it goes to ecolens. The YAML is shipped with --files: in cluster mode the
# driver reads the shipped copy from its container's working directory, in client mode the
# driver runs here and reads the file where it is.
# Needs SPARK_HOME (or spark-submit on the PATH) and the application jar (mvn -DskipTests package).
# ECOLENS_SPARK=4.1 submits the Spark 4.1 / Scala 2.13 jar (mvn -Dspark=4.1 -DskipTests package), for
# Spark 4.x clusters; the default is the Spark 3.5 / Scala 2.12 jar (see jobs/spark-line.sh).
# APP_JAR overrides the jar (e.g. an s3a:// or local:// URI of a copy the cluster can read).
set -euo pipefail
cd "$(dirname "$0")/.."

conf_file=conf/local.yaml
deploy_mode=client
spark_args=()
while [[ $# -gt 0 && "$1" != "--" ]]; do
  case "$1" in
    --conf-file) conf_file="$2"; shift 2 ;;
    --deploy-mode) deploy_mode="$2"; spark_args+=("$1" "$2"); shift 2 ;;
    --deploy-mode=*) deploy_mode="${1#*=}"; spark_args+=("$1"); shift ;;
    *) spark_args+=("$1"); shift ;;
  esac
done
[[ "${1:-}" == "--" ]] && shift
[[ $# -eq 0 ]] && set -- run

if [[ ! -f "$conf_file" ]]; then
  echo "no config file $conf_file (--conf-file); see conf/cluster-*.yaml for examples" >&2
  exit 2
fi
source jobs/spark-line.sh
# shellcheck disable=SC2086
jar="${APP_JAR:-$(ls $app_jar_glob 2>/dev/null | head -n 1 || true)}"
if [[ -z "$jar" ]]; then
  echo "no application jar $app_jar_glob; build it with: mvn -B ${mvn_line[*]:+${mvn_line[*]} }-DskipTests package" >&2
  exit 2
fi
submit="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"
if [[ "$deploy_mode" == "cluster" ]]; then
  driver_conf=$(basename "$conf_file")
else
  driver_conf="$conf_file"
fi

opens=$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' pom.xml)
exec "$submit" \
  --class io.ecolens.cli.EcolensCli \
  --name "ecolens $1" \
  --files "$conf_file" \
  --conf "spark.driver.extraJavaOptions=$opens" \
  --conf "spark.executor.extraJavaOptions=$opens" \
  "${spark_args[@]}" \
  "$jar" "$@" --conf "$driver_conf"
