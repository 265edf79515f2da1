"""Daily ecolens run scored through the provider's Batch API (score.openai.mode: batch), at its batch price.

The same stages as ecolens_daily.py, with score split in two short Spark tasks and a sensor between
them that costs no Spark driver while the provider works (up to its 24-hour window):

    ingest >> sample >> score_submit >> wait_for_batches >> score_collect >> evaluate >> report

score_submit renders the run's requests, uploads them and creates the batches, records each in the
llm_batches table and exits (exit code 7: batches at the provider). wait_for_batches asks the
provider's GET /batches, in reschedule mode, until every batch whose metadata names the run has
ended. score_collect reads their answers into scores; when some items must go out again (a batch
expired part-done, lines failed), it submits them and exits 7, and the sensor-like task pokes again
later. A retried or cleared task never submits twice: batches already recorded are followed.

The config file must set score.openai.mode: batch. Settings: environment variables of the workers, see
ecolens_tasks.py (ECOLENS_LLM_ENDPOINT and ECOLENS_LLM_KEY_ENV for the sensor; with a file:/// endpoint
for an offline runner the provider sensor lets go at once and score_collect does the waiting).
Exit code 7 must reach Airflow: client deploy mode, or Kubernetes in cluster mode. On YARN in cluster
mode spark-submit returns 1 for any failed application, so this DAG cannot tell "still running" from a
failure there; use client mode.
"""

import os
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from airflow import DAG  # noqa: E402
from airflow.exceptions import AirflowException  # noqa: E402
from airflow.providers.apache.spark.hooks.spark_submit import SparkSubmitHook  # noqa: E402
from airflow.sensors.base import BaseSensorOperator  # noqa: E402
from airflow.sensors.python import PythonSensor  # noqa: E402

import ecolens_tasks as tasks  # noqa: E402
from ecolens_daily import EcolensSubmitOperator  # noqa: E402


class EcolensSubmitBatchesOperator(EcolensSubmitOperator):
    """score --submit: exit code 7 (batches at the provider) is its success."""

    def execute(self, context):
        try:
            super().execute(context)
            return tasks.NOTHING_SUBMITTED  # every item was scored or cached: the sensor has nothing to wait for
        except AirflowException as error:
            if tasks.batches_running(str(error)):
                return tasks.BATCHES_SUBMITTED
            raise


class EcolensCollectSensor(BaseSensorOperator):
    """score --collect as a sensor: done on exit code 0, pokes again on 7, fails on any other code."""

    def __init__(self, submit_kwargs, **kwargs):
        super().__init__(task_id=submit_kwargs["task_id"], **kwargs)
        self.application = submit_kwargs["application"]
        self.hook_kwargs = {k: v for k, v in submit_kwargs.items() if k not in ("task_id", "application")}

    def poke(self, context):
        ds_nodash = context["ds_nodash"]
        hook = SparkSubmitHook(**{**self.hook_kwargs,
                                  "application_args": tasks.render(self.hook_kwargs["application_args"], ds_nodash),
                                  "name": tasks.render([self.hook_kwargs["name"]], ds_nodash)[0]})
        try:
            hook.submit(self.application)
            return True
        except AirflowException as error:
            if tasks.batches_running(str(error)):
                return False
            raise


settings = tasks.Settings.from_env()
endpoint = os.environ.get("ECOLENS_LLM_ENDPOINT", "https://api.openai.com/v1")
key_env = os.environ.get("ECOLENS_LLM_KEY_ENV", "OPENAI_API_KEY")

with DAG(
    dag_id="ecolens_daily_batch",
    description="ecolens scored through the provider's Batch API: half price, answers within 24 h",
    **tasks.DAG_SETTINGS,
) as dag:
    ingest = EcolensSubmitOperator(**tasks.submit_kwargs("ingest", settings))
    sample = EcolensSubmitOperator(**tasks.submit_kwargs("sample", settings))
    submit = EcolensSubmitBatchesOperator(**tasks.submit_kwargs("score_submit", settings))
    wait = PythonSensor(
        task_id="wait_for_batches",
        python_callable=tasks.provider_batches_done,
        op_kwargs={"endpoint": endpoint, "run_id": tasks.RUN_ID, "key_env": key_env,
                   "submitted": "{{ ti.xcom_pull(task_ids='score_submit') }}"},
        mode="reschedule",  # frees the worker slot between pokes
        poke_interval=timedelta(minutes=10).total_seconds(),
        timeout=timedelta(hours=26).total_seconds(),
        execution_timeout=None,
    )
    collect = EcolensCollectSensor(
        submit_kwargs=tasks.submit_kwargs("score_collect", settings),
        mode="reschedule",
        poke_interval=timedelta(minutes=10).total_seconds(),
        timeout=timedelta(hours=26).total_seconds(),
        execution_timeout=None,
    )
    evaluate = EcolensSubmitOperator(**tasks.submit_kwargs("evaluate", settings))
    report = EcolensSubmitOperator(**tasks.submit_kwargs("report", settings), sla=timedelta(hours=30))
    ingest >> sample >> submit >> wait >> collect >> evaluate >> report
