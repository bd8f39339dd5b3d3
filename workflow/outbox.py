"""The transactional outbox: background work leaves with the change that needs it.

`enqueue()` adds a row in the caller's transaction. After that transaction commits, the rows are
handed to the process's publisher (workflow/publisher.py: the fast path). If the broker is down,
nothing is lost: `relay()` republishes every row no consumer has processed within the grace
period, counting attempts, and gives up with a terminal status after the last one. Consumers
`claim()` rows and mark them processed in their own transaction, so a message delivered twice has
its effect once.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session as OrmSession

from workflow.db import Session
from workflow.models import OutboxMessage
from workflow.models._types import utcnow
from workflow.publisher import Publish, publish_grouped, publisher

log = logging.getLogger(__name__)

_PENDING = "outbox_pending"
RELAY_BATCH = 200


def enqueue(session: OrmSession, task: str, payload: dict) -> OutboxMessage:
    message = OutboxMessage(task=task, payload=payload, created_at=utcnow())
    session.add(message)
    session.info.setdefault(_PENDING, []).append(message)
    return message


@event.listens_for(Session.session_factory, "after_commit")
def _hand_over_after_commit(session: OrmSession) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        publisher.hand_over([(message.task, message.id) for message in pending])


@event.listens_for(Session.session_factory, "after_rollback")
def _forget_after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)


def claim(session: OrmSession, outbox_ids: list[int], task: str) -> list[OutboxMessage]:
    """Lock the rows of these ids still waiting for `task`.

    Rows another consumer holds are skipped, not waited for: that consumer is doing the work (a
    duplicate delivery, or a backlog it took along). Should it roll back, the row is still
    waiting and the relay republishes it after the grace period.
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
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def claim_backlog(
    session: OrmSession, task: str, limit: int, claimed: list[OutboxMessage]
) -> list[OutboxMessage]:
    """Lock up to `limit` more rows waiting for `task`, skipping rows another consumer holds."""
    if limit <= 0:
        return []
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.task == task,
            OutboxMessage.processed_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.id.not_in([message.id for message in claimed]),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
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
    for message in retry:
        message.attempts += 1
        message.published_at = now
    rows = [(message.task, message.id) for message in retry]
    # Commit before publishing, so no consumer finds a row still locked by the relay (it would
    # skip it); publish after, and take the attempts back if the broker refused them.
    session.commit()
    try:
        publish_grouped(publish, rows)
    except Exception:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([outbox_id for _, outbox_id in rows]))
            .values(attempts=OutboxMessage.attempts - 1, published_at=None)
        )
        session.commit()
        raise
    return {"republished": len(retry), "failed": len(exhausted)}
