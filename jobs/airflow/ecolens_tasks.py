"""spark-submit settings of the ecolens Airflow DAG, in plain Python.

This module imports nothing from Airflow, so the argument lists it builds can be checked where
Airflow is not installed: ``python3 ecolens_tasks.py --ds-nodash 20261125`` prints them as JSON,
and the project's tests pass every list to ``ecolens <stage> ... --validate-only``.

Settings come from environment variables of the Airflow workers (or the arguments of
``Settings``):

ECOLENS_APP_JAR       the application jar (``mvn -DskipTests package``: target/ecolens-<version>-app.jar),
                      a path on the worker or an s3a:// / hdfs:// URI
ECOLENS_CONF_FILE     the ecolens YAML config, a path on the worker
ECOLENS_SPARK_CONN    the Airflow Spark connection (default spark_default): master, deploy mode, queue
ECOLENS_DEPLOY_MODE   client (default) or cluster; must match the connection's deploy-mode
ECOLENS_BASELINE_RUN  optional: compare every run with this run id instead of the previous good run
ECOLENS_LLM_ENDPOINT  the batch DAG's provider base URL up to /v1 (score.openai.endpoint), for its sensor
ECOLENS_LLM_KEY_ENV   the environment variable holding the provider's API key (default OPENAI_API_KEY)
"""

import argparse
import json
import os
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Dict, List, Optional

#: The stages, one Airflow task each, in order.
STAGES = ("ingest", "sample", "score", "evaluate", "report")
#: Run id of a DAG run: one per logical date, so a retry or a re-run of the day replaces its rows.
RUN_ID = "daily-{{ ds_nodash }}"
#: Exit code of a run whose quality gates failed (io.ecolens.Errors.EXIT_GATE).
GATE_EXIT_CODE = 5
#: Exit code of a score stage that stopped because nearly every item failed (io.ecolens.Errors.EXIT_SCORING).
SCORING_EXIT_CODE = 6
#: Exit code of score --submit / --collect while the run's batches are at the provider (io.ecolens.Errors.EXIT_BATCHES_RUNNING).
BATCHES_RUNNING_EXIT_CODE = 7
#: The batch DAG's tasks (score.openai.mode: batch): score is split into a submit and a collect task,
#: with a sensor that asks the provider (no Spark) in between.
BATCH_TASKS = ("ingest", "sample", "score_submit", "score_collect", "evaluate", "report")
#: The DAGs' settings besides their tasks: daily, from this date, no catch-up, one run at a time (runs
#: compare with the previous good run, so they go in order), and each task's retries and time-out.
DAG_SETTINGS = {
    "schedule": "@daily",
    "start_date": datetime(2026, 11, 1),
    "catchup": False,
    "max_active_runs": 1,
    "default_args": {
        "owner": "trust-and-safety",
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(hours=4),
    },
    "tags": ["ecolens"],
}
#: What score_submit hands the provider sensor (its XCom): whether it left batches at the provider.
BATCHES_SUBMITTED = "batches_submitted"
NOTHING_SUBMITTED = "nothing_submitted"
#: Batch states after which a batch's output and error files are final.
FINISHED_BATCH_STATES = ("completed", "failed", "expired", "cancelled")
JAVA_CLASS = "io.ecolens.cli.EcolensCli"
#: The --add-opens flags Spark needs on Java 17: the same list as spark.java17.opens in pom.xml.
JAVA17_OPENS = " ".join(
    "--add-opens=java.base/" + p + "=ALL-UNNAMED"
    for p in (
        "java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util",
        "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch", "sun.nio.cs", "sun.security.action",
        "sun.util.calendar",
    )
)

# How SparkSubmitHook reports a non-zero exit: "Cannot execute: <cmd>. Error code is: 5." and, on
# Kubernetes in cluster mode, also the driver's own "Kubernetes spark exit code is: 5".
_SUBMIT_EXIT_CODE = re.compile(r"Error code is: (\d+)")
_DRIVER_EXIT_CODE = re.compile(r"Kubernetes spark exit code is: (\d+)")


@dataclass(frozen=True)
class Settings:
    """Where the application and its config are, and how to submit it."""

    application: str
    conf_file: str
    conn_id: str = "spark_default"
    deploy_mode: str = "client"
    baseline_run: Optional[str] = None
    spark_conf: Dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.deploy_mode not in ("client", "cluster"):
            raise ValueError("deploy_mode must be client or cluster, not %r" % self.deploy_mode)

    @classmethod
    def from_env(cls, env=None) -> "Settings":
        env = os.environ if env is None else env
        return cls(
            application=env.get("ECOLENS_APP_JAR", "/opt/ecolens/ecolens-app.jar"),
            conf_file=env.get("ECOLENS_CONF_FILE", "/opt/ecolens/conf/cluster.yaml"),
            conn_id=env.get("ECOLENS_SPARK_CONN", "spark_default"),
            deploy_mode=env.get("ECOLENS_DEPLOY_MODE", "client"),
            baseline_run=env.get("ECOLENS_BASELINE_RUN") or None,
        )

    def conf_argument(self) -> str:
        """The --conf value ecolens reads: the worker's path in client mode, the shipped file's name in cluster mode."""
        return os.path.basename(self.conf_file) if self.deploy_mode == "cluster" else self.conf_file


def application_args(stage: str, settings: Settings, run_id: str = RUN_ID) -> List[str]:
    """The ecolens command line of one stage or batch task (what follows the jar in spark-submit)."""
    if stage not in STAGES and stage not in BATCH_TASKS:
        raise ValueError("unknown stage %r; expected one of %s" % (stage, ", ".join(STAGES + BATCH_TASKS[2:4])))
    command = stage.split("_")  # score_submit -> score --submit
    args = command[:1] + ["--" + flag for flag in command[1:]]
    args += ["--conf", settings.conf_argument(), "--run-id", run_id]
    if stage == "report" and settings.baseline_run:
        args += ["--baseline-run", settings.baseline_run]
    return args


def submit_kwargs(stage: str, settings: Settings, run_id: str = RUN_ID) -> Dict[str, object]:
    """Keyword arguments of SparkSubmitOperator for one stage's task."""
    conf = {
        "spark.driver.extraJavaOptions": JAVA17_OPENS,
        "spark.executor.extraJavaOptions": JAVA17_OPENS,
    }
    conf.update(settings.spark_conf)
    kwargs = {
        "task_id": stage,
        "application": settings.application,
        "java_class": JAVA_CLASS,
        "conn_id": settings.conn_id,
        "name": "ecolens %s %s" % (stage, run_id),
        "conf": conf,
        "application_args": application_args(stage, settings, run_id),
    }
    if settings.deploy_mode == "cluster":
        kwargs["files"] = settings.conf_file  # read from the driver container's working directory
    return kwargs


def exit_code(message: str) -> Optional[int]:
    """The application's exit code in a SparkSubmitHook failure message (the driver's when given), or None."""
    match = _DRIVER_EXIT_CODE.search(message) or _SUBMIT_EXIT_CODE.search(message)
    return int(match.group(1)) if match else None


def gate_failed(message: str) -> bool:
    """True when a failed submit was ecolens reporting failed quality gates (exit code 5)."""
    return exit_code(message) == GATE_EXIT_CODE


def scoring_failed(message: str) -> bool:
    """True when a failed submit was ecolens stopping a systemically failing score stage (exit code 6)."""
    return exit_code(message) == SCORING_EXIT_CODE


def batches_running(message: str) -> bool:
    """True when score --submit / --collect exited saying the run's batches are still at the provider (exit code 7)."""
    return exit_code(message) == BATCHES_RUNNING_EXIT_CODE


def provider_batches_done(endpoint: str, run_id: str, key_env: str = "OPENAI_API_KEY", max_batches: int = 1000,
                          opener=urllib.request.urlopen, submitted: Optional[str] = None) -> bool:
    """True once the provider holds batches of run_id (metadata ecolens_run) and every one of them has ended.

    Asks the provider's GET /batches alone, newest first, page by page: the sensor between score --submit
    and score --collect costs no Spark driver while the batches run. True at once when score_submit left
    nothing at the provider (submitted == NOTHING_SUBMITTED), or when the endpoint is not an HTTP provider
    (a file:/// folder for an offline runner, or none given): score_collect then does the waiting.
    """
    if submitted == NOTHING_SUBMITTED or not endpoint.startswith(("http://", "https://")):
        return True
    headers = {}
    key = os.environ.get(key_env)
    if key:
        headers["Authorization"] = "Bearer " + key
    ours, after, seen = [], None, 0
    while seen < max_batches:
        query = {"limit": "100"}
        if after:
            query["after"] = after
        request = urllib.request.Request(endpoint.rstrip("/") + "/batches?" + urllib.parse.urlencode(query),
                                         headers=headers)
        with opener(request, timeout=60) as response:
            page = json.loads(response.read().decode("utf-8"))
        data = page.get("data") or []
        seen += len(data)
        ours += [b for b in data if (b.get("metadata") or {}).get("ecolens_run") == run_id]
        if not page.get("has_more") or not data:
            break
        after = page.get("last_id") or data[-1].get("id")
    return bool(ours) and all(b.get("status") in FINISHED_BATCH_STATES for b in ours)


def render(args: List[str], ds_nodash: str) -> List[str]:
    """The arguments as Airflow renders them for one logical date (only {{ ds_nodash }} is used)."""
    return [a.replace("{{ ds_nodash }}", ds_nodash) for a in args]


def main() -> None:
    parser = argparse.ArgumentParser(description="Print the DAG's ecolens argument lists as JSON.")
    parser.add_argument("--ds-nodash", default="20261125", help="logical date, as Airflow's ds_nodash")
    parser.add_argument("--conf-file", help="ecolens YAML (default: ECOLENS_CONF_FILE)")
    parser.add_argument("--deploy-mode", help="client or cluster (default: ECOLENS_DEPLOY_MODE)")
    parser.add_argument("--baseline-run", help="baseline run id (default: ECOLENS_BASELINE_RUN)")
    options = parser.parse_args()
    env = dict(os.environ)
    for key, value in (("ECOLENS_CONF_FILE", options.conf_file), ("ECOLENS_DEPLOY_MODE", options.deploy_mode),
                       ("ECOLENS_BASELINE_RUN", options.baseline_run)):
        if value is not None:
            env[key] = value
    settings = Settings.from_env(env)
    print(json.dumps({
        "gate_exit_code": GATE_EXIT_CODE,
        "scoring_exit_code": SCORING_EXIT_CODE,
        "batches_running_exit_code": BATCHES_RUNNING_EXIT_CODE,
        "java17_opens": JAVA17_OPENS,
        "tasks": [
            {"stage": s, "application_args": render(application_args(s, settings), options.ds_nodash)}
            for s in STAGES
        ],
        "batch_tasks": [
            {"stage": s, "application_args": render(application_args(s, settings), options.ds_nodash)}
            for s in BATCH_TASKS
        ],
    }, indent=2))


if __name__ == "__main__":
    main()
