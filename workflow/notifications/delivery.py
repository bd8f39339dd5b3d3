"""Delivering a notification that leaves the system (email, SMS, webhook), and every way its
status ends: the far side's answer, a receipt, or the sweep.

Each row is taken alone (one failing destination never holds up another): claimed in a short
transaction (`sending`, one more attempt, logged), sent with no transaction open, and the answer
recorded in another. A worker that dies mid-send leaves the row claimed until its lease runs out;
the sweep then hands it over again and it is resent with the same reference, so the far side
can tell the resend apart. A final status is never left (FINAL).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session as OrmSession

from workflow.db import Session
from workflow.models import DeliveryAttempt, Notification, User
from workflow.models import Window as WindowRow
from workflow.models._types import utcnow
from workflow.models.notification import DUE_SQL
from workflow.notifications import (
    CREATED,
    DELIVERED,
    EMAIL,
    FINAL,
    PERMANENT_FAILURE,
    SENDING,
    SMS,
    TECHNICAL_FAILURE,
    TEMPORARY_FAILURE,
    WEBHOOK,
    reference_of,
)  # fmt: skip
from workflow.notifications.channels import Channel, Outcome, Outgoing, Result

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How often and how long a message is tried (see the DELIVERY_* settings)."""

    attempts: int = 5
    delay_seconds: float = 10.0
    max_delay_seconds: float = 600.0
    lease_seconds: float = 120.0
    receipt_seconds: float = 72 * 3600.0

    def delay(self, attempts: int) -> float:
        return min(self.delay_seconds * 2 ** (attempts - 1), self.max_delay_seconds)


@dataclass(frozen=True)
class Delivered:
    """What one call did with a row: its status after it, and when to try again (if at all)."""

    notification_id: int
    status: str | None  # None: not taken (another worker has it, or it is not due)
    retry_in: float | None = None


def deliver(
    notification_ids: list[int], channels: dict[str, Channel], policy: DeliveryPolicy
) -> list[Delivered]:
    return [deliver_one(notification_id, channels, policy) for notification_id in notification_ids]


def deliver_one(notification_id: int, channels: dict[str, Channel], policy: DeliveryPolicy):
    claimed = _claim(notification_id, policy)
    if claimed is None:
        return Delivered(notification_id, None)
    number, channel_name, message = claimed
    technical = False
    if message is None:
        result = Result(Outcome.PERMANENT, f"no {channel_name} destination")
    else:
        try:
            result = channels[channel_name].send(message)
        except Exception as error:  # our side failed, not the far side: retried, then technical
            log.exception("notification %s: %s adapter raised", notification_id, channel_name)
            result, technical = Result(Outcome.TEMPORARY, f"error {type(error).__name__}"), True
    return _record(notification_id, number, result, policy, technical)


def _claim(notification_id: int, policy: DeliveryPolicy):
    """Take the row if it is waiting for an attempt: (attempt number, channel, message)."""
    session = Session()
    now = utcnow()
    row = session.scalars(
        select(Notification)
        .where(Notification.id == notification_id, Notification.sent_at.is_(None))
        .where(
            (Notification.status == CREATED)
            | ((Notification.status == SENDING) & (Notification.next_attempt_at <= now))
        )
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        session.rollback()
        return None
    row.status = SENDING
    row.attempts += 1
    row.next_attempt_at = now + timedelta(seconds=policy.lease_seconds)
    session.add(DeliveryAttempt(notification_id=row.id, number=row.attempts, started_at=now,
                                detail=""))  # fmt: skip
    message = _outgoing(session, row)
    claimed = (row.attempts, row.channel, message)
    session.commit()
    return claimed


def _outgoing(session: OrmSession, row: Notification) -> Outgoing | None:
    """The message for the row's destination as it is now, or None if there is none (an email
    address removed since, a webhook switched off)."""
    body = row.body
    reference = reference_of(row.id)
    if row.channel == WEBHOOK:
        window = session.get(WindowRow, row.recipient)
        if window is None or not window.webhook_url:
            return None
        payload = {"id": reference, "kind": row.kind, **body}
        return Outgoing(reference, window.webhook_url, body["subject"], body["text"], payload,
                        window.webhook_secret)  # fmt: skip
    person = session.get(User, int(row.recipient))
    to = None if person is None else (person.email if row.channel == EMAIL else person.phone)
    if not to:
        return None
    if row.channel == SMS and not to.startswith("+"):  # stored as the 11 mainland digits
        to = f"+86{to}"
    return Outgoing(reference, to, body["subject"], body["text"], {})


def _record(
    notification_id: int,
    number: int,
    result: Result,
    policy: DeliveryPolicy,
    technical: bool = False,
) -> Delivered:
    session = Session()
    now = utcnow()
    row = session.scalars(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    ).one()
    attempt = session.scalars(
        select(DeliveryAttempt).where(
            DeliveryAttempt.notification_id == notification_id, DeliveryAttempt.number == number
        )
    ).one()
    attempt.outcome, attempt.detail, attempt.finished_at = result.outcome, result.detail[:200], now
    if row.status != SENDING or row.attempts != number or row.sent_at is not None:
        # A receipt or a later attempt got there first: this answer changes nothing more.
        session.commit()
        return Delivered(notification_id, row.status)
    retry_in = None
    if result.outcome == Outcome.DELIVERED:
        _finish(row, DELIVERED, now)
    elif result.outcome == Outcome.ACCEPTED:  # the receipt will tell; wait for it so long
        row.sent_at, row.provider_id = now, result.provider_id
        row.next_attempt_at = now + timedelta(seconds=policy.receipt_seconds)
    elif result.outcome == Outcome.PERMANENT:
        _finish(row, PERMANENT_FAILURE, now)
    elif row.attempts >= policy.attempts:
        _finish(row, TECHNICAL_FAILURE if technical else TEMPORARY_FAILURE, now)
    else:
        retry_in = policy.delay(row.attempts)
        row.next_attempt_at = now + timedelta(seconds=retry_in)
    status = row.status
    session.commit()
    if status in FINAL and status != DELIVERED:
        log.warning("notification %s ended %s (%s)", notification_id, status, result.detail)
    return Delivered(notification_id, status, retry_in)


def _finish(row: Notification, status: str, now) -> None:
    row.status, row.finished_at, row.next_attempt_at = status, now, None


RECEIPT_STATUSES = {"delivered": DELIVERED, "failed": PERMANENT_FAILURE}


def record_sms_receipt(notification_id: int, status: str) -> Notification | None:
    """A provider's delivery receipt. Returns the row (None: no such SMS). A receipt for a row
    already final (late, repeated, out of order) changes nothing."""
    session = Session()
    row = session.scalars(
        select(Notification)
        .where(Notification.id == notification_id, Notification.channel == SMS)
        .with_for_update()
    ).first()
    if row is None:
        session.rollback()
        return None
    if row.status not in FINAL:
        _finish(row, RECEIPT_STATUSES[status], utcnow())
    session.commit()
    return row


def overdue(limit: int = 500) -> tuple[list[int], int]:
    """The sweep: rows whose time has come (a retry's delay over, an attempt's lease run out, a
    first attempt never handed over) to hand to the workers again; SMS rows whose receipt never
    came end as temporary_failure. Returns (ids to hand over, rows ended)."""
    session = Session()
    now = utcnow()
    due = session.execute(
        select(Notification.id, Notification.sent_at)
        .where(text(DUE_SQL), Notification.next_attempt_at <= now)  # as the index says it
        .order_by(Notification.next_attempt_at)
        .limit(limit)
    ).all()
    unanswered = [notification_id for notification_id, sent_at in due if sent_at is not None]
    ended = 0
    if unanswered:
        for row in session.scalars(
            select(Notification)
            .where(Notification.id.in_(unanswered), Notification.status == SENDING)
            .with_for_update(skip_locked=True)
        ):
            _finish(row, TEMPORARY_FAILURE, now)
            ended += 1
    session.commit()
    return [notification_id for notification_id, sent_at in due if sent_at is None], ended
