# Sourced by jobs/run-local.sh, jobs/submit.sh and jobs/bench.sh: which Spark line to build and run.
#   ECOLENS_SPARK=3.5 (default)  Spark 3.5 / Scala 2.12, output in target/
#   ECOLENS_SPARK=4.1            Spark 4.1 / Scala 2.13 (mvn -Dspark=4.1), output in target/spark-4.1/
# Sets: build_dir, mvn_line (Maven arguments for the line), app_jar_glob (the line's application jar).
case "${ECOLENS_SPARK:-3.5}" in
  3.5)
    build_dir=target
    mvn_line=()
    app_jar_glob="target/ecolens-*-app.jar"
    ;;
  4.1)
    build_dir=target/spark-4.1
    mvn_line=(-Dspark=4.1)
    app_jar_glob="target/spark-4.1/ecolens-*-spark4.1_2.13.jar"
    ;;
  *)
    echo "ECOLENS_SPARK=${ECOLENS_SPARK} is not a Spark line ecolens builds for; use 3.5 (the default) or 4.1" >&2
    exit 2
    ;;
esac
