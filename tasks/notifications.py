"""Notification tasks: dispatch a transition's notices, deliver rows, sweep for stuck ones."""

from celery import current_app, shared_task
from flask import current_app as flask_app
from sqlalchemy.exc import OperationalError

from config.queues import TASK_QUEUES, TaskNames
from workflow.notifications.channels import channels_from_settings
from workflow.notifications.delivery import DeliveryPolicy, deliver, overdue
from workflow.notifications.dispatch import dispatch_notices
from workflow.publisher import publish_grouped, publisher_for

_channels: dict = {}


@shared_task(
    name=TaskNames.DISPATCH_NOTIFICATIONS,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def dispatch_notifications(outbox_ids: list[int]) -> dict:
    # Past the last retry the outbox row stays unprocessed and the relay republishes it.
    return dispatch_notices(outbox_ids)


@shared_task(name=TaskNames.DELIVER_NOTIFICATIONS, autoretry_for=(OperationalError,),
             retry_backoff=2, retry_backoff_max=60, max_retries=5)  # fmt: skip
def deliver_notifications(notification_ids: list[int]) -> dict:
    settings = flask_app.config["SETTINGS"]
    done = deliver(notification_ids, _channels_for(settings), _policy(settings))
    for row in done:
        if row.retry_in is not None:
            # A hint only: the row's next_attempt_at is what counts, and the sweep finds it
            # should this message be lost or run early (a claim refuses a row not yet due).
            deliver_notifications.apply_async(
                args=[[row.notification_id]],
                countdown=row.retry_in,
                queue=TASK_QUEUES[TaskNames.DELIVER_NOTIFICATIONS],
            )
    return {"taken": sum(row.status is not None for row in done), "asked": len(done)}


@shared_task(name=TaskNames.SWEEP_NOTIFICATIONS, max_retries=0)
def sweep_notifications() -> dict:
    handed_over, ended = overdue()
    publish_grouped(
        publisher_for(current_app),
        [(TaskNames.DELIVER_NOTIFICATIONS, notification_id) for notification_id in handed_over],
    )
    return {"handed_over": len(handed_over), "receipts_given_up": ended}


def _channels_for(settings) -> dict:
    # Built once per process: the SMTP and HTTP clients are reused between deliveries.
    if "channels" not in _channels:
        _channels["channels"] = channels_from_settings(settings)
    return _channels["channels"]


def _policy(settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        attempts=settings.DELIVERY_ATTEMPTS,
        delay_seconds=settings.DELIVERY_RETRY_SECONDS,
        max_delay_seconds=settings.DELIVERY_RETRY_MAX_SECONDS,
        lease_seconds=settings.DELIVERY_LEASE_SECONDS,
        receipt_seconds=settings.SMS_RECEIPT_TIMEOUT_SECONDS,
    )
