"""Periodic sweeps, run by beat."""

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from config.queues import TaskNames
from workflow.services.sweeps import sweep_deadlines


@shared_task(
    name=TaskNames.SWEEP_DEADLINES,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    max_retries=3,
)
def sweep_deadlines_task() -> dict:
    # Nothing to lose if a run is skipped or fails for good: the next minute's run finds the
    # same due rows, since the sweep's state is in the rows, not in the message.
    return sweep_deadlines(draft_expiry_days=current_app.config["DRAFT_EXPIRY_DAYS"])
