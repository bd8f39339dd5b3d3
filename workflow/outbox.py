"""The transactional outbox: background work leaves with the change that needs it.

`enqueue()` adds a row in the caller's transaction. After that transaction commits, the rows are
published at once (the fast path); if the broker is down, nothing is lost: `relay()` republishes
every row no consumer has processed within the grace period, counting attempts, and gives up with
a terminal status after the last one. Consumers `claim()` rows and mark them processed in their own
transaction, so a message delivered twice has its effect once.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session as OrmSession

from config.queues import TASK_QUEUES
from workflow.db import Session
from workflow.models import OutboxMessage
from workflow.models._types import utcnow

log = logging.getLogger(__name__)

Publish = Callable[[str, list[int]], None]
_PENDING = "outbox_pending"
RELAY_BATCH = 200
MESSAGE_BATCH = 50


class _Publisher:
    """The process's way to reach the broker, bound by the edge that owns a Celery app."""

    def __init__(self) -> None:
        self.publish: Publish | None = None
        self.breaker_seconds = 10.0
        self._closed_until = 0.0

    def bind(self, publish: Publish, breaker_seconds: float) -> None:
        self.publish = publish
        self.breaker_seconds = breaker_seconds
        self._closed_until = 0.0

    def try_publish(self, messages: Iterable[OutboxMessage]) -> None:
        if self.publish is None or time.monotonic() < self._closed_until:
            return  # the relay will pick these up
        try:
            publish_grouped(self.publish, messages)
        except Exception as error:  # any broker failure: leave it to the relay
            self._closed_until = time.monotonic() + self.breaker_seconds
            log.warning("outbox publish failed, relay will retry: %s", type(error).__name__)


publisher = _Publisher()


def bind_publisher(publish: Publish, breaker_seconds: float = 10.0) -> None:
    publisher.bind(publish, breaker_seconds)


def publisher_for(celery_app) -> Publish:
    """A Publish function over a Celery app (anything with `send_task`)."""

    def publish(task: str, outbox_ids: list[int]) -> None:
        celery_app.send_task(
            task, kwargs={"outbox_ids": outbox_ids}, queue=TASK_QUEUES[task], retry=False
        )

    return publish


def publish_grouped(publish: Publish, messages: Iterable[OutboxMessage]) -> None:
    by_task: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        by_task[message.task].append(message.id)
    for task, ids in by_task.items():
        for start in range(0, len(ids), MESSAGE_BATCH):
            publish(task, ids[start : start + MESSAGE_BATCH])


def enqueue(session: OrmSession, task: str, payload: dict) -> OutboxMessage:
    message = OutboxMessage(task=task, payload=payload, created_at=utcnow())
    session.add(message)
    session.info.setdefault(_PENDING, []).append(message)
    return message


@event.listens_for(Session.session_factory, "after_commit")
def _publish_after_commit(session: OrmSession) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        publisher.try_publish(pending)


@event.listens_for(Session.session_factory, "after_rollback")
def _forget_after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)


def claim(session: OrmSession, outbox_ids: list[int], task: str) -> list[OutboxMessage]:
    """Lock the rows of these ids still waiting for `task`.

    No SKIP LOCKED here: a duplicate delivery waits for the first consumer (or the relay) to commit
    and then finds the row processed, instead of skipping work that may still be rolled back.
    """
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.id.in_(outbox_ids),
            OutboxMessage.task == task,
            OutboxMessage.processed_at.is_(None),
            OutboxMessage.failed_at.is_(None),
        )
        .order_by(OutboxMessage.id)
        .with_for_update()
    )
    return list(session.scalars(query))


def mark_processed(messages: Iterable[OutboxMessage]) -> None:
    now = utcnow()
    for message in messages:
        message.processed_at = now


def relay(session: OrmSession, publish: Publish, grace_seconds: float, max_attempts: int) -> dict:
    """Republish overdue rows (one batch), and fail those out of attempts. Owns its transaction."""
    now = utcnow()
    cutoff = now - timedelta(seconds=grace_seconds)
    overdue = list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.processed_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                OutboxMessage.created_at < cutoff,
                or_(OutboxMessage.published_at.is_(None), OutboxMessage.published_at < cutoff),
            )
            .order_by(OutboxMessage.id)
            .limit(RELAY_BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    exhausted = [m for m in overdue if m.attempts >= max_attempts]
    retry = [m for m in overdue if m.attempts < max_attempts]
    for message in exhausted:
        message.failed_at = now
        message.last_error = f"not processed after {message.attempts} attempts"
        log.error("outbox message %s (%s) failed for good", message.id, message.task)
    # Publish before counting the attempt: a broker that is down costs no attempts.
    publish_grouped(publish, retry)
    for message in retry:
        message.attempts += 1
        message.published_at = now
    session.commit()
    return {"republished": len(retry), "failed": len(exhausted)}
