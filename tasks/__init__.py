"""The Celery edge: one Celery app bound to the Flask app, and a base task for every task.

Tasks are thin: they take ids, call a service that re-loads and guards on state, and are safe to
run twice (Redis delivers at least once).
"""

import logging
import time

from celery import Celery, Task
from flask import Flask

from config.celery import celery_settings
from tasks import applications, notifications, relay, retention, sweeps  # noqa: F401  (registers the shared tasks)
from workflow import db, publisher, transitions
from workflow.db import Session

log = logging.getLogger("tasks")


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        """Runs in the app context, logs each run's time, retries and failures with the task id,
        and always drops the DB session (rolling back whatever a failed run left open)."""

        def __call__(self, *args, **kwargs):
            started = time.monotonic()
            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                finally:
                    Session.remove()
            log.info(
                "task %s done id=%s in %.1f ms",
                self.name,
                self.request.id,
                (time.monotonic() - started) * 1000,
            )
            return result

        def on_retry(self, exc, task_id, args, kwargs, einfo):
            log.warning("task %s retry id=%s: %s", self.name, task_id, type(exc).__name__)

        def on_failure(self, exc, task_id, args, kwargs, einfo):
            log.error("task %s failed id=%s: %s", self.name, task_id, type(exc).__name__)

    settings = app.config["SETTINGS"]
    # The worker's own transitions (pre-check, sweeps) write their notification rows as they
    # commit; the notices of requests reach it through the dispatcher's outbox rows.
    transitions.write_notices_here()
    # Tasks retry when the database drops a connection, so they skip the per-checkout ping.
    db.bind(settings.DATABASE_URL, pre_ping=False)
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_settings(settings))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    # Work the worker's own services enqueue leaves through this app's broker connection.
    publisher.bind_publisher(publisher.publisher_for(celery_app), settings.PUBLISH_BREAKER_SECONDS)
    return celery_app
