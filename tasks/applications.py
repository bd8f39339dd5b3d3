"""Case tasks."""

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from config.queues import TaskNames
from workflow.services.precheck import Retries, precheck_cases


@shared_task(
    name=TaskNames.PRECHECK_APPLICATIONS,
    autoretry_for=(OperationalError,),  # the database away mid-task: all or nothing, then again
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def precheck_applications(outbox_ids: list[int]) -> dict:
    # Past the last retry the outbox row stays unprocessed: the relay republishes it, counting
    # attempts, and marks it failed for good after the last one. A case whose own check fails is
    # retried alone and then parked by the service: it never holds up the others.
    settings = current_app.config["SETTINGS"]
    retries = Retries(settings.AUTOMATIC_STEP_ATTEMPTS, settings.AUTOMATIC_STEP_RETRY_SECONDS)
    return precheck_cases(outbox_ids, retries)
