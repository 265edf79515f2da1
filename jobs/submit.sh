#!/usr/bin/env bash
# Submits ecolens to a cluster with spark-submit (YARN, Kubernetes or standalone).
#   jobs/submit.sh --master yarn --deploy-mode cluster --conf-file conf/cluster-emr.yaml -- run --run-id daily-2026-11-25
# Everything before '--' goes to spark-submit (plus --conf-file, the ecolens YAML to ship);
# everything after it goes to ecolens. The YAML is shipped with --files and read from the
# container's working directory, so the same file works in client and cluster mode.
# Needs SPARK_HOME (or spark-submit on the PATH) and the application jar (mvn -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."

conf_file=conf/local.yaml
spark_args=()
while [[ $# -gt 0 && "$1" != "--" ]]; do
  case "$1" in
    --conf-file) conf_file="$2"; shift 2 ;;
    *) spark_args+=("$1"); shift ;;
  esac
done
[[ "${1:-}" == "--" ]] && shift
[[ $# -eq 0 ]] && set -- run

jar=$(ls target/ecolens-*-app.jar 2>/dev/null | head -n 1 || true)
if [[ -z "$jar" ]]; then
  echo "no application jar in target/; build it with: mvn -B -DskipTests package" >&2
  exit 2
fi
submit="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"

opens=$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' pom.xml)
exec "$submit" \
  --class io.ecolens.cli.EcolensCli \
  --name "ecolens $1" \
  --files "$conf_file" \
  --conf "spark.driver.extraJavaOptions=$opens" \
  --conf "spark.executor.extraJavaOptions=$opens" \
  "${spark_args[@]}" \
  "$jar" "$@" --conf "$(basename "$conf_file")"
