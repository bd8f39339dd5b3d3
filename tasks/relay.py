"""The outbox relay, run by beat: republishes work no consumer has processed in time."""

from celery import current_app, shared_task
from flask import current_app as flask_app

from config.queues import TaskNames
from workflow import outbox
from workflow.db import Session
from workflow.publisher import publisher_for


@shared_task(name=TaskNames.RELAY_OUTBOX, max_retries=0)
def relay_outbox() -> dict:
    settings = flask_app.config["SETTINGS"]
    return outbox.relay(
        Session(),
        publisher_for(current_app),
        grace_seconds=settings.OUTBOX_GRACE_SECONDS,
        max_attempts=settings.OUTBOX_MAX_ATTEMPTS,
    )
