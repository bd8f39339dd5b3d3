"""Notification tasks: dispatch a transition's notices, deliver rows, sweep for stuck ones."""

from celery import current_app, shared_task
from flask import current_app as flask_app
from sqlalchemy.exc import OperationalError

from config import LOCAL_TIMEZONE
from config.queues import TASK_QUEUES, TaskNames
from workflow.models._types import utcnow
from workflow.notifications.channels import channels_from_settings
from workflow.notifications.delivery import Delivered, DeliveryPolicy, deliver, overdue, send
from workflow.notifications.dispatch import dispatch_notices
from workflow.notifications.pacing import ChannelLimits, QuietHours
from workflow.notifications.windows import DIGEST_FROM, notify_window, start_digest
from workflow.publisher import publish_grouped, publisher_for

# Built once per process: the SMTP and HTTP clients and the limits' store are reused.
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
    return _deliver(notification_ids)


def _deliver(notification_ids: list[int]) -> dict:
    settings = flask_app.config["SETTINGS"]
    return _retry_later(deliver(notification_ids, _channels_for(settings), _policy(settings)))


def _retry_later(done: list[Delivered]) -> dict:
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


@shared_task(
    name=TaskNames.NOTIFY_WINDOW,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def notify_one_window(outbox_ids: list[int]) -> dict:
    settings = flask_app.config["SETTINGS"]
    policy = _policy(settings)
    claimed, held = notify_window(outbox_ids, policy)
    return _retry_later(held + send(claimed, _channels_for(settings), policy))


@shared_task(name=TaskNames.START_DIGEST, max_retries=0)
def start_daily_digest() -> dict:
    # Beat asks through the morning (config/celery.py); the day's first ask from DIGEST_FROM
    # starts it, and every other ask, from any beat, writes nothing.
    now = utcnow().astimezone(LOCAL_TIMEZONE)
    return {"windows": start_digest(now.date()) if now.time() >= DIGEST_FROM else 0}


@shared_task(name=TaskNames.SWEEP_NOTIFICATIONS, max_retries=0)
def sweep_notifications() -> dict:
    handed_over, ended = overdue()
    publish_grouped(
        publisher_for(current_app),
        [(TaskNames.DELIVER_NOTIFICATIONS, notification_id) for notification_id in handed_over],
    )
    return {"handed_over": len(handed_over), "receipts_given_up": ended}


def _channels_for(settings) -> dict:
    if "channels" not in _channels:
        _channels["channels"] = channels_from_settings(settings)
    return _channels["channels"]


def _policy(settings) -> DeliveryPolicy:
    if "policy" not in _channels:  # the limits' store connection is kept too
        quiet = settings.SMS_QUIET_HOURS
        _channels["policy"] = DeliveryPolicy(
            attempts=settings.DELIVERY_ATTEMPTS,
            delay_seconds=settings.DELIVERY_RETRY_SECONDS,
            max_delay_seconds=settings.DELIVERY_RETRY_MAX_SECONDS,
            lease_seconds=settings.DELIVERY_LEASE_SECONDS,
            receipt_seconds=settings.SMS_RECEIPT_TIMEOUT_SECONDS,
            quiet_hours=QuietHours(*quiet) if quiet else None,
            limits=ChannelLimits(settings.CHANNEL_RATE_PER_SECOND, _limits_store(settings)),
        )
    return _channels["policy"]


def _limits_store(settings) -> str:
    if settings.RATE_LIMIT_STORAGE_URL:
        return settings.RATE_LIMIT_STORAGE_URL
    broker = settings.CELERY_BROKER_URL
    return broker if broker.startswith(("redis://", "rediss://")) else "memory://"
