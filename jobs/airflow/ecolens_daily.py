"""Daily ecolens run: ingest, sample, score, evaluate and report, one spark-submit task per stage.

Every task of a DAG run uses the run id daily-<logical date>, and every stage replaces its own
rows of that run id, so a retry or a cleared task re-does its stage without duplicating anything
(score resumes from its committed chunks and never pays twice for an item).

The report task also runs the run-over-run comparison and the quality gates. When a gate fails,
ecolens writes the tables and the report and then exits with code 5; the task fails at once,
without retries (the data would not change), with a message that names the run and where to look.
When the score task stops because nearly every item failed (exit code 6: the judge returns nothing
usable), it also fails at once: a retry would pay for the same failing calls again.
The exit code reaches Airflow in client deploy mode (the driver runs on the worker) and on
Kubernetes in cluster mode; on YARN in cluster mode spark-submit returns 1 for any failed
application, so such a failure is retried like any other.

Settings: environment variables of the workers, see ecolens_tasks.py.
"""

import os
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from airflow import DAG  # noqa: E402
from airflow.exceptions import AirflowException, AirflowFailException  # noqa: E402
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator  # noqa: E402

import ecolens_tasks as tasks  # noqa: E402


class EcolensSubmitOperator(SparkSubmitOperator):
    """SparkSubmitOperator that turns ecolens's failed-gates and failed-scoring exit codes into failures without retries."""

    def execute(self, context):
        try:
            return super().execute(context)
        except AirflowFailException:
            raise
        except AirflowException as error:
            if tasks.gate_failed(str(error)):
                run_id = tasks.render([tasks.RUN_ID], context["ds_nodash"])[0]
                raise AirflowFailException(
                    "ecolens quality gates failed for run %s (exit code %d): the run completed and its report is "
                    "written; see the report's Quality gates section and "
                    "SELECT * FROM ecolens.gate_results WHERE run_id = '%s' AND status = 'failed'. "
                    "Not retried: the same data would fail again."
                    % (run_id, tasks.GATE_EXIT_CODE, run_id)
                ) from error
            if tasks.scoring_failed(str(error)):
                raise AirflowFailException(
                    "ecolens scoring failed systemically (exit code %d): see the task log for the most common "
                    "error and its likely fix. Not retried: the same endpoint and settings would fail again and "
                    "cost again; fix the cause, then clear the task (committed rows are kept)."
                    % tasks.SCORING_EXIT_CODE
                ) from error
            raise


settings = tasks.Settings.from_env()

with DAG(
    dag_id="ecolens_daily",
    description="ecolens: content health and moderation quality, with run-over-run quality gates",
    **tasks.DAG_SETTINGS,
) as dag:
    previous = None
    for stage in tasks.STAGES:
        extra = {}
        if stage == "report":
            extra["sla"] = timedelta(hours=6)  # the morning report: ready 6 h after the day closes
        task = EcolensSubmitOperator(**tasks.submit_kwargs(stage, settings), **extra)
        if previous is not None:
            previous >> task
        previous = task
