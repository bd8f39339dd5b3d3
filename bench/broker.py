"""The no-op baseline's name and how the bench publishes to the worker.

Kept apart from bench.celery_app, which imports the production worker (and so builds its Flask
app): the bench process itself only needs to publish, as the API does.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from celery import Celery

from config import Config
from config.celery import celery_settings
from config.queues import QueueNames

NOOP_TASK = "bench.noop"


def publisher_app(broker_url: str) -> Celery:
    """A publishing-only Celery app configured exactly like the API's own publisher."""
    settings = Config()
    settings.CELERY_BROKER_URL = broker_url
    app = Celery("bench-publisher", set_as_current=False)
    app.config_from_object(celery_settings(settings))
    return app


def publish_noop(app: Celery, counter: str) -> None:
    """One no-op message, sent the way `workflow.publisher.publisher_for` sends a precheck: same
    call, same options, same queue as the precheck task."""
    app.send_task(NOOP_TASK, kwargs={"counter": counter}, queue=QueueNames.PRECHECK, retry=False)


def wait_counter(client: redis.Redis, key: str, target: int, poll: float, timeout: float) -> float:
    """Polls until the no-ops have counted `target`; returns the monotonic time it was seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = client.get(key)
        now = time.monotonic()
        if value is not None and int(value) >= target:
            return now
        if now > deadline:
            raise TimeoutError(f"{key} reached {value!r} of {target} in {timeout:.0f} s")
        time.sleep(poll)


def queue_depth(client: redis.Redis) -> int:
    """Messages waiting in the worker's queues (Redis lists named after the queues)."""
    return sum(client.llen(name) for name in QueueNames.all())


@contextmanager
def consuming_paused(app: Celery, queue: str = QueueNames.PRECHECK) -> Iterator[None]:
    """The worker stops taking messages from `queue` (Celery's cancel_consumer remote control)
    and takes them again on exit; what is published meanwhile waits in the broker."""
    _control(app.control.cancel_consumer, queue)
    try:
        yield
    finally:
        _control(app.control.add_consumer, queue)


def _control(command, queue: str) -> None:
    # limit=1: the bench starts one worker, so its reply is all there is to wait for.
    replies = command(queue, reply=True, timeout=5.0, limit=1)
    if not replies or any("error" in answer for reply in replies for answer in reply.values()):
        raise RuntimeError(f"{command.__name__}({queue!r}) was not done by the worker: {replies}")
