"""The worker the bench starts: `celery -A bench.celery_app worker`.

It is the production worker's Celery app (`worker.celery`, with its FlaskTask base, settings and
tasks) plus one no-op task, so the baseline runs in the very same pool, through the very same
broker and queue as the precheck. Production code is not touched.
"""

import redis

from bench.broker import NOOP_TASK
from config.queues import QueueNames
from worker import celery

__all__ = ["celery"]

# redis-py's connection pool notices the prefork and opens fresh connections in each child.
_redis = redis.Redis.from_url(celery.conf.broker_url)


@celery.task(name=NOOP_TASK, queue=QueueNames.PRECHECK)
def noop(counter: str) -> None:
    """Does nothing but make itself visible: one INCR, which the bench polls."""
    _redis.incr(counter)
