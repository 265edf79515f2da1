#!/usr/bin/env bash
# Benchmarks. One case per argument; each prints its figures and ends with a line
#   RESULT <name> <value>
#   jobs/bench.sh embedded            embedded scorer in the Spark pipeline vs the raw ONNX loop (target >= 0.85)
#   jobs/bench.sh davidson            zero-shot and trained F1/AUPRC on the full Davidson tweets (../shared/datasets),
#                                     and scikit-learn on the same vectors and folds when python3 has sklearn, for
#                                     each in-process model (BENCH_DAVIDSON_MODELS, comma-separated; default all
#                                     three), then a table comparing them with the score stage's items/s;
#                                     BENCH_DAVIDSON_LEXICAL=1 adds scikit-learn on the tweets' words (TF-IDF
#                                     word and character n-grams, alone and beside the vectors; minutes more)
#   jobs/bench.sh evaluate [--small | --tiny | --rows N[,N...]]
#                                     evaluate over generated score rows with labels, 1M and 10M rows
#                                     (--small: 100k and 1M; --tiny: 100k), next to DuckDB: the rows are
#                                     written once as Parquet, then ecolens (AgreementMetrics on Spark) and
#                                     DuckDB (SQL through JDBC, as many threads as BENCH_MASTER's cores)
#                                     each compute confusion counts per category x slice, the threshold
#                                     sweep, AP and ROC AUC per category x slice and reliability bins
#                                     from that Parquet, timed apart, reading included; the run fails
#                                     unless both give the same figures (counts exactly, values to 1e-9).
#                                     Spark: wall time and driver peak heap; RESULT evaluate_<n>_seconds
#                                     (Spark), evaluate_duckdb_<n>_seconds, evaluate_vs_duckdb_ratio
#                                     (Spark / DuckDB seconds at the largest size)
#   jobs/bench.sh pipeline [--rows 20000,200000]
#                                     the whole 'run' of conf/local.yaml (rules scorer, demo corpus
#                                     generated) at each size, through jobs/run-local.sh in a fresh JVM with
#                                     a fresh warehouse, catalog and output folder; prints each stage's
#                                     seconds from the run's 'runs' row side by side; RESULT
#                                     pipeline_<first>_seconds (wall, JVM start included) and
#                                     pipeline_scale_ratio (wall of the last size / the first)
#   jobs/bench.sh fanout [--items 20000 --latency-ms 200 --caps 16,64,256 --items-per-request 10
#                         --tasks 2 --naive-items 2000 --warmup-items 60000 (at least; then until the JIT is quiet)]
#                                     openai scorer fan-out against the LLM simulator on loopback,
#                                     next to naive synchronous scoring (one request in flight per task)
#   jobs/bench.sh score-stage [--items 10000 --latencies-ms 200,2000 --caps 16,64 --commit-every 2000,500
#                              --items-per-request 10 --warmup-items 3000]
#                                     the whole score stage (Spark, Delta, ledger) with the openai scorer
#                                     against the LLM simulator, every latency x cap x commit-every (the
#                                     default matrix, 8 cases, takes about 10 minutes on 2 cores); prints
#                                     for each the seconds before the first request (start-up) and after
#                                     the last answer (wind-down), the requests in flight on average while
#                                     sending, and the share of the endpoint's limit (cap / latency) reached
#                                     while sending and over the whole stage; RESULT score_stage_min_ratio.
#                                     ECOLENS_JAVA_OPTS="-Xmx6g -Dbench.score-stage.jobs=true" adds each Spark
#                                     job's span in ms from the stage's start (where start-up time goes)
#   jobs/bench.sh chaos [--kills 20 --rows 400 --seed N]
#                                     crash anywhere, rerun exact: an undisturbed 'run' of a small demo corpus,
#                                     then --kills runs on the same warehouse, each aimed at the next stage in
#                                     turn (generate, ingest, ... report) and killed with SIGKILL a random share
#                                     of that stage's length into it, then run again with its run id; every
#                                     table's rows of each rerun are compared with the undisturbed run's (a run
#                                     that ends before its moment does not count; another is drawn). About 2
#                                     minutes per kill on 2 cores. RESULT chaos_kill_points, chaos_rows_lost,
#                                     chaos_reruns_failed
#   jobs/bench.sh batch [--rows 4000 --sample 2000]
#                                     score.openai.mode batch vs online over the same sample against the
#                                     simulator's Batch API (cost, requests, wall time), then a batch-mode run
#                                     killed with SIGKILL once its batch is created and run again.
#                                     RESULT batch_cost_ratio, batch_resubmitted_after_kill
#   jobs/bench.sh metrics-dump WAREHOUSE RUN_ID
#                                     every metrics row of a run, sorted, for diffing two runs (a refactor's before/after)
#   jobs/bench.sh cascade [-Dbench.cascade.sample=5000 -Dbench.cascade.rows=20000 -Dbench.cascade.latency-ms=50
#                          -Dbench.cascade.first=trained|zero-shot -Dbench.cascade.tolerance=0.01|none
#                          -Dbench.cascade.pilot=500 -Dbench.cascade.target-share=0.2|none]
#                                     cascade embedded -> openai vs LLM only over the same sample and
#                                     labels, against the LLM simulator: calls, cost and F1 of both; by default
#                                     heads trained on another corpus and bands fitted on a labelled pilot;
#                                     RESULT cascade_calls_saved, RESULT cascade_f1_loss (points)
# Options via env: BENCH_ITEMS (3000), BENCH_BATCH (64), BENCH_THREADS (cores), BENCH_MASTER (local[2]),
# ECOLENS_JAVA_OPTS (-Xmx6g; fanout: -Xms2g -Xmx2g; pipeline: the bench -Xmx6g, each run run-local.sh's -Xmx4g;
# pipeline runs on conf/local.yaml's Spark master, not BENCH_MASTER).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set /p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

# ECOLENS_SPARK=4.1 benchmarks the Spark 4.1 / Scala 2.13 build (see jobs/spark-line.sh)
source jobs/spark-line.sh

# the test classpath (benchmark code lives in src/test), built once per pom/source change
test_classpath() {
  local cp_file=$build_dir/test-classpath.txt
  if [[ ! -f "$cp_file" || -n "$(find pom.xml src -newer "$cp_file" -print -quit)" ]]; then
    echo "building ecolens (mvn -q ${mvn_line[*]:+${mvn_line[*]} }-DskipTests test-compile)..." >&2
    mvn -B -q ${mvn_line[@]+"${mvn_line[@]}"} -DskipTests test-compile dependency:build-classpath \
      -Dmdep.includeScope=test -Dmdep.outputFile="$PWD/$cp_file" >&2
    touch "$cp_file"
  fi
  echo "$build_dir/test-classes:$build_dir/classes:$(cat "$cp_file")"
}

run_java() {
  local opens
  opens=$(sed -n 's:.*<spark.java17.opens>\(.*\)</spark.java17.opens>.*:\1:p' pom.xml)
  export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM, $(java -version 2>&1 | head -1)" >&2
  # shellcheck disable=SC2086
  java ${ECOLENS_JAVA_OPTS:--Xmx6g} $opens -Dlog4j2.configurationFile=conf/log4j2.properties \
    -Decolens.shared.datasets="${ECOLENS_SHARED_DATASETS:-$PWD/../shared/datasets}" \
    -Dbench.items="${BENCH_ITEMS:-3000}" -Dbench.batch="${BENCH_BATCH:-64}" \
    -Dbench.threads="${BENCH_THREADS:-$(nproc)}" -Dbench.master="${BENCH_MASTER:-local[2]}" \
    -cp "$(test_classpath)" "$@"
}

case "${1:-}" in
  embedded)
    run_java io.ecolens.bench.EmbeddedBench ratio
    ;;
  davidson)
    run_java -Dbench.davidson.fraction="${BENCH_DAVIDSON_FRACTION:-1.0}" \
      -Dbench.davidson.lexical="${BENCH_DAVIDSON_LEXICAL:+true}" \
      ${BENCH_DAVIDSON_MODELS:+-Dbench.davidson.models="$BENCH_DAVIDSON_MODELS"} io.ecolens.bench.EmbeddedBench davidson
    ;;
  cascade)
    shift
    run_java "$@" io.ecolens.bench.CascadeBench
    ;;
  fanout)
    shift
    # A fixed heap: left to grow from its minimum, G1 keeps the young generation small here and
    # pauses every ~0.6 s (5-11 ms each, three in a 1.7 s pass at cap 256); at 2 GB fixed, every ~3.5 s.
    ECOLENS_JAVA_OPTS="${ECOLENS_JAVA_OPTS:--Xms2g -Xmx2g}" run_java io.ecolens.bench.FanoutBench "$@"
    ;;
  score-stage)
    shift
    run_java io.ecolens.bench.ScoreStageBench "$@"
    ;;
  chaos)
    shift
    run_java io.ecolens.bench.ChaosBench "$@"
    ;;
  batch)
    shift
    run_java io.ecolens.bench.BatchBench "$@"
    ;;
  metrics-dump)
    run_java io.ecolens.bench.MetricsDump "${2:?warehouse folder}" "${3:?run id}"
    ;;
  evaluate)
    sizes=(1000000 10000000)
    case "${2:-}" in
      --small) sizes=(100000 1000000) ;;
      --tiny) sizes=(100000) ;;
      --rows) IFS=, read -r -a sizes <<< "${3:?--rows N[,N...]}" ;;
      "") ;;
      *) echo "unknown evaluate option '$2'" >&2; exit 2 ;;
    esac
    run_java io.ecolens.bench.EvaluateBench "${sizes[@]}"
    ;;
  pipeline)
    shift
    jobs/run-local.sh --version >/dev/null # builds when stale
    run_java io.ecolens.bench.PipelineBench "$@"
    ;;
  ""|-h|--help)
    usage
    ;;
  *)
    echo "unknown benchmark '$1'" >&2
    usage >&2
    exit 2
    ;;
esac
