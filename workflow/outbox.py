"""The transactional outbox: background work leaves with the change that needs it.

`enqueue()` adds a row in the caller's transaction. After that transaction commits, the rows are
handed to the process's publisher (workflow/publisher.py: the fast path). If the broker is down,
nothing is lost: `relay()` republishes every row no consumer has processed within the grace
period, counting attempts, and gives up with a terminal status after the last one. Consumers
`claim()` rows and mark them processed in their own transaction, so a message delivered twice has
its effect once.
"""

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import and_, bindparam, event, insert, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session as OrmSession

from config.queues import ONE_PER_MESSAGE
from workflow.db import Session
from workflow.models import OutboxMessage
from workflow.models._types import utcnow
from workflow.outbox_notes import notes
from workflow.publisher import Publish, publish_grouped, publisher
from workflow.repositories import alerts

log = logging.getLogger(__name__)

_PENDING = "outbox_pending"
_PROCESSED = "outbox_processed"
RELAY_BATCH = 200


_OUTBOX = OutboxMessage.__table__


def enqueue(session: OrmSession, task: str, payload: dict) -> int:
    """Write the row now (a plain INSERT: the unit of work is not needed for a row nobody in this
    transaction reads again) and hand its id to the publisher after the commit."""
    outbox_id = session.execute(
        insert(_OUTBOX).returning(_OUTBOX.c.id),
        {"task": task, "payload": payload, "created_at": utcnow(), "attempts": 0},
    ).scalar_one()
    publish_after_commit(session, task, outbox_id)
    return outbox_id


def publish_after_commit(session: OrmSession, task: str, outbox_id: int) -> None:
    """For a row written in this transaction by other means than enqueue()."""
    session.info.setdefault(_PENDING, []).append((task, outbox_id))


@event.listens_for(Session.session_factory, "after_commit")
def _hand_over_after_commit(session: OrmSession) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        publisher.hand_over(pending)
    processed = session.info.pop(_PROCESSED, None)
    if processed:
        notes.note(processed)


@event.listens_for(Session.session_factory, "after_rollback")
def _forget_after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_PROCESSED, None)


class Claimed(NamedTuple):
    """A waiting row a consumer holds locked until its transaction ends."""

    id: int
    payload: dict
    task: str


# Built once: these run for every message a consumer gets.
# Waiting: neither processed nor failed, and not held back after a failed attempt.
_WAITING = select(_OUTBOX.c.id, _OUTBOX.c.payload).where(
    _OUTBOX.c.task == bindparam("task"),
    _OUTBOX.c.processed_at.is_(None),
    _OUTBOX.c.failed_at.is_(None),
    or_(_OUTBOX.c.retry_at.is_(None), _OUTBOX.c.retry_at <= bindparam("now")),
)
_ANY_WAITING = _WAITING.where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True))).limit(1)
_CLAIM = (
    _WAITING.where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_OUTBOX.c.id)
    .with_for_update(skip_locked=True)
)
_MARK_PROCESSED = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .values(processed_at=bindparam("now"))
)
_CLAIM_BACKLOG = (
    _WAITING.where(_OUTBOX.c.id.not_in(bindparam("skip", expanding=True)))
    .order_by(_OUTBOX.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)


def claim(session: OrmSession, outbox_ids: list[int], task: str) -> list[Claimed]:
    """Lock the rows of these ids still waiting for `task`.

    Rows another consumer holds are skipped, not waited for: that consumer is doing the work (a
    duplicate delivery, or a backlog it took along). Should it roll back, the row is still
    waiting and the relay republishes it after the grace period.

    A task whose messages carry one id each (ONE_PER_MESSAGE) is never taken along with a
    backlog: its message nearly always finds its row waiting, so it skips the lock-free look,
    which would only add a round trip.
    """
    if _looked_up_first(task) and not _any_waiting(session, outbox_ids, task):
        return []
    params = {"task": task, "ids": outbox_ids, "now": utcnow()}
    return [Claimed(*row, task) for row in session.execute(_CLAIM, params)]


def _looked_up_first(task: str) -> bool:
    """Whether this task's messages may be duplicates, and so are checked before claiming."""
    return task not in ONE_PER_MESSAGE


def _any_waiting(session: OrmSession, outbox_ids: list[int], task: str) -> bool:
    """A lock-free look first, outside any transaction (one round trip, not three).

    Under load most messages name rows a consumer already took along with its backlog; they end
    here, most of them on the notes of rows just processed (workflow/outbox_notes.py) without
    reaching the database. A row this read finds waiting may be held by another consumer right
    now: the locking claim after it is what decides.
    """
    engine = session.get_bind()
    if engine.dialect.name == "sqlite":
        return True  # in-process: no round trips to save, and db.py's BEGIN IMMEDIATE would wait
    if notes.all_noted(outbox_ids):
        return False
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        params = {"task": task, "ids": outbox_ids, "now": utcnow()}
        found = connection.execute(_ANY_WAITING, params).first()
        return found is not None


def claim_backlog(
    session: OrmSession, task: str, limit: int, claimed: list[Claimed]
) -> list[Claimed]:
    """Lock up to `limit` more rows waiting for `task`, skipping rows another consumer holds."""
    if limit <= 0:
        return []
    params = {"task": task, "skip": [row.id for row in claimed], "limit": limit, "now": utcnow()}
    return [Claimed(*row, task) for row in session.execute(_CLAIM_BACKLOG, params)]


# A consumer's batch: (the message ids, whether to take the waiting backlog along, a list it fills
# with the ids it claims) -> counts.
Batch = Callable[[list[int], bool, list[int]], dict]


def consume(
    outbox_ids: list[int], batch: Batch, failed_alone: Callable[[list[int], Exception], dict]
) -> dict:
    """Run a consumer's batch; should it raise, take each message it claimed again alone, so one
    message that keeps failing holds back no other. A message that fails alone goes to
    `failed_alone` (with the error), which holds it back for a retry or ends it. A database
    that is away fails the whole call instead, for the task to retry."""
    return _consume(outbox_ids, True, batch, failed_alone)


def _consume(outbox_ids, take_backlog: bool, batch: Batch, failed_alone) -> dict:
    claimed: list[int] = []
    try:
        return batch(outbox_ids, take_backlog, claimed)
    except OperationalError:
        raise
    except Exception as error:
        Session().rollback()
        if len(claimed) <= 1:
            return failed_alone(claimed or outbox_ids, error)
    log.warning("outbox: a batch of %d failed; taking each message alone", len(claimed))
    totals: Counter = Counter()
    for outbox_id in claimed:  # each alone: no backlog, which could bring the culprit back
        totals.update(_consume([outbox_id], False, batch, failed_alone))
    return dict(totals)


def retry_later(session: OrmSession, outbox_id: int, delay_seconds: float, error: str) -> None:
    """In the consumer's transaction: this row's work failed; the relay republishes it once the
    delay has passed, and until then no consumer takes it along."""
    session.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.id == outbox_id)
        .values(retry_at=utcnow() + timedelta(seconds=delay_seconds), last_error=error[:500])
    )


def mark_processed(session: OrmSession, claimed: Iterable[Claimed]) -> None:
    """In the consumer's transaction: these rows' work is part of what it commits. Rows whose
    duplicate messages are looked up before claiming are noted as processed once it has."""
    rows = list(claimed)  # read twice below: a generator would give the notes nothing
    if rows:
        session.execute(_MARK_PROCESSED, {"ids": [row.id for row in rows], "now": utcnow()})
        noted = [row.id for row in rows if _looked_up_first(row.task)]
        session.info.setdefault(_PROCESSED, []).extend(noted)


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
                or_(
                    and_(
                        OutboxMessage.retry_at.is_(None),
                        OutboxMessage.created_at < cutoff,
                        or_(
                            OutboxMessage.published_at.is_(None),
                            OutboxMessage.published_at < cutoff,
                        ),
                    ),
                    OutboxMessage.retry_at <= now,  # a failed attempt's delay is over
                ),
            )
            .order_by(OutboxMessage.id)
            .limit(RELAY_BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    exhausted = [m for m in overdue if m.attempts >= max_attempts]
    retry = [m for m in overdue if m.attempts < max_attempts]
    for message in exhausted:
        reason = message.last_error or "no consumer finished it"
        message.failed_at = now
        message.last_error = f"not processed after {message.attempts} attempts"
        log.error("outbox message %s (%s) failed for good", message.id, message.task)
        # Admins see every piece of work given up (GET /api/v1/admin/alerts), once each.
        alerts.add_once(
            session,
            "work_given_up",
            str(message.id),
            f"{message.task} (outbox message {message.id}) was given up after "
            f"{message.attempts} attempts; last error: {reason}.",
        )
    for message in retry:
        message.attempts += 1
        message.published_at = now
        message.retry_at = None
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
