"""Celery settings derived from a Config object (plain data; no Celery app is built here)."""

from celery.schedules import crontab
from kombu import Exchange, Queue

from config import VAR, Config
from config.queues import TASK_QUEUES, QueueNames, TaskNames


def celery_settings(config: Config) -> dict:
    timeout = config.BROKER_TIMEOUT_SECONDS
    broker_url = config.CELERY_BROKER_URL
    transport_options: dict = {}
    transport = None
    if broker_url.startswith(("redis://", "rediss://")):
        transport = "config.redis_transport:Transport"
        # Without socket timeouts a hung Redis blocks a publish for minutes.
        transport_options = {
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "visibility_timeout": 3600,
            "unacked_restore_throttle": 0.5,
        }
    return {
        "broker_url": broker_url,
        "broker_transport": transport,
        "broker_transport_options": transport_options,
        "broker_connection_timeout": timeout,
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
        "task_acks_late": True,
        # Redis lost mid-task: the running tasks stop (their transactions roll back) instead of
        # finishing and acknowledging through a connection that is gone; the relay and the
        # sweeps replay them (Celery 6's default).
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        # A killed pool child's message is acknowledged, not redelivered forever: the outbox relay
        # is what retries, and it counts attempts (a poison message ends in a terminal status).
        "task_reject_on_worker_lost": False,
        "task_publish_retry": False,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_routes": {name: {"queue": queue} for name, queue in TASK_QUEUES.items()},
        "task_queues": [Queue(name, Exchange(name), routing_key=name) for name in QueueNames.all()],
        "task_default_queue": QueueNames.PRECHECK,
        "worker_prefetch_multiplier": 4,
        "beat_schedule": {
            "relay-outbox": {
                "task": TaskNames.RELAY_OUTBOX,
                "schedule": config.OUTBOX_RELAY_INTERVAL_SECONDS,
                "options": {"expires": config.OUTBOX_RELAY_INTERVAL_SECONDS * 4},
            },
            "sweep-deadlines": {
                "task": TaskNames.SWEEP_DEADLINES,
                "schedule": config.DEADLINE_SWEEP_INTERVAL_SECONDS,
                "options": {"expires": config.DEADLINE_SWEEP_INTERVAL_SECONDS},
            },
            # Every 5 minutes from 08:00 to 11:55 Beijing (UTC+8 all year). The first ask from
            # 08:30 on a working day starts the digest; the later ones do nothing, or catch up
            # on a start that was lost (broker or worker down at 08:30).
            "daily-digest": {
                "task": TaskNames.START_DIGEST,
                "schedule": crontab(hour="0-3", minute="*/5"),
                "options": {"expires": 300},
            },
            # 02:00 Beijing, when nobody is at a window.
            "anonymise-expired": {
                "task": TaskNames.ANONYMISE_EXPIRED,
                "schedule": crontab(hour=18, minute=0),
                "options": {"expires": 3600},
            },
            "sweep-notifications": {
                "task": TaskNames.SWEEP_NOTIFICATIONS,
                "schedule": config.NOTIFICATION_SWEEP_INTERVAL_SECONDS,
                "options": {"expires": config.NOTIFICATION_SWEEP_INTERVAL_SECONDS},
            },
        },
        "beat_schedule_filename": str(VAR / "celerybeat-schedule"),
        "timezone": "UTC",
    }
