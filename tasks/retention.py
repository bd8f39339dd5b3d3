"""The daily retention job, run by beat."""

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import OperationalError

from config.queues import TaskNames
from workflow.services.retention import RetentionRules, anonymise_expired


@shared_task(
    name=TaskNames.ANONYMISE_EXPIRED,
    autoretry_for=(OperationalError,),
    retry_backoff=10,
    max_retries=3,
)
def anonymise_expired_task() -> dict:
    # Safe to run twice or to skip a day: what is due is read from the rows each time.
    settings = current_app.config
    rules = RetentionRules(settings["RETENTION_DAYS"], settings["DOCUMENTS_DIR"])
    return anonymise_expired(rules)
