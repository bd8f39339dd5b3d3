"""Delivering a notification that leaves the system (email, SMS, webhook), and every way its
status ends: the far side's answer, a receipt, or the sweep.

The rows of one call are claimed in a short transaction (`sending`, one more attempt each,
logged; rows a worker writes itself are claimed in the transaction that writes them), sent one
by one with no transaction open (one failing destination never holds up another), and their
answers recorded in another. A worker that dies mid-send leaves the rows claimed until their
lease runs out; the sweep then hands them over again and they are resent with the same
reference, so the far side can tell a resend apart. A final status is never left (FINAL).
"""

import logging
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import Session as OrmSession

from workflow.db import Session
from workflow.models import Alert, Application, DeliveryAttempt, Notification, User, WindowTask
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
from workflow.notifications.account_notices import text_to_send
from workflow.notifications.channels import Channel, Outcome, Outgoing, Result
from workflow.notifications.pacing import ChannelLimits, QuietHours, quiet_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How often and how long a message is tried (see the DELIVERY_* settings)."""

    attempts: int = 5
    delay_seconds: float = 10.0
    max_delay_seconds: float = 600.0
    lease_seconds: float = 120.0
    receipt_seconds: float = 72 * 3600.0
    quiet_hours: QuietHours | None = QuietHours()
    limits: ChannelLimits | None = None

    def delay(self, attempts: int) -> float:
        return min(self.delay_seconds * 2 ** (attempts - 1), self.max_delay_seconds)


@dataclass(frozen=True)
class Delivered:
    """What one call did with a row: its status after it, and when to try again (if at all)."""

    notification_id: int
    status: str | None  # None: not sent now (another worker has it, not due, or held back)
    retry_in: float | None = None  # when to ask again (a retry's delay, a rate limit's wait)


@dataclass(eq=False)
class Row:
    """A notification row as delivery reads and changes it: its columns, read and written with
    plain statements. Every message passes through here twice (claim, answer), and the ORM's
    unit of work cost more than sending the message."""

    id: int
    channel: str
    kind: str
    recipient_type: str
    recipient: str
    application_id: int | None
    body: dict
    status: str
    attempts: int
    next_attempt_at: datetime | None = None
    not_before: datetime | None = None
    sent_at: datetime | None = None
    finished_at: datetime | None = None
    provider_id: str | None = None

    @classmethod
    def written(cls, notification_id: int, values: dict) -> "Row":
        """A row just inserted with `values` (the columns not among them are null)."""
        return cls(notification_id, *(values.get(field.name) for field in fields(cls)[1:]))


_NOTIFICATIONS = Notification.__table__
_N = _NOTIFICATIONS.c
_READ = select(*(_N[column.name] for column in fields(Row)))
# What may change once a row is written; the bind names may not be the columns' own.
_CHANGING = ("status", "attempts", "next_attempt_at", "not_before", "sent_at", "finished_at",
             "provider_id")  # fmt: skip
_SAVE = (
    update(_NOTIFICATIONS)
    .where(_N.id == bindparam("which"))
    .values({name: bindparam(f"new_{name}") for name in _CHANGING})
)
_IN = _N.id.in_(bindparam("ids", expanding=True))
_NOW = bindparam("now")
# Waiting for an attempt: never tried, or its retry's delay (or a dead attempt's lease) is over,
# and not held back; an SMS the provider accepted waits for its receipt instead.
_CLAIMABLE = (
    _READ.where(
        _IN,
        _N.sent_at.is_(None),
        (_N.status == CREATED) | ((_N.status == SENDING) & (_N.next_attempt_at <= _NOW)),
        _N.not_before.is_(None) | (_N.not_before <= _NOW),
    )
    .order_by(_N.id)
    .with_for_update(skip_locked=True)
)
_LOCKED = _READ.where(_IN).with_for_update()
_SMS_LOCKED = _READ.where(_N.id == bindparam("which"), _N.channel == SMS).with_for_update()
_UNANSWERED = _READ.where(_IN, _N.status == SENDING).with_for_update(skip_locked=True)


def _read(session: OrmSession, statement, **params) -> list[Row]:
    return [Row(*values) for values in session.connection().execute(statement, params)]


def _save(session: OrmSession, rows: list[Row]) -> None:
    if rows:
        session.connection().execute(
            _SAVE,
            [{"which": row.id, **{f"new_{name}": getattr(row, name) for name in _CHANGING}}
             for row in rows],
        )  # fmt: skip


def deliver(
    notification_ids: list[int], channels: dict[str, Channel], policy: DeliveryPolicy
) -> list[Delivered]:
    """Send the rows among these that are waiting for an attempt: claimed together in one short
    transaction, then sent (see `send`)."""
    session = Session()
    rows = _read(session, _CLAIMABLE, ids=notification_ids, now=utcnow())
    taken = {row.id for row in rows}
    answers = [Delivered(n, None) for n in notification_ids if n not in taken]
    claimed = claim(session, rows, policy, answers)
    session.commit()
    return answers + send(claimed, channels, policy)


def send(claimed: list["Attempt"], channels: dict[str, Channel], policy: DeliveryPolicy):
    """Send each claimed attempt alone, with no transaction open (an error sending one is that
    row's answer, not the others'), then record the answers together in one transaction."""
    results = []
    for attempt in claimed:
        technical = False
        if attempt.message is None:
            result = Result(Outcome.PERMANENT, f"no {attempt.channel} destination")
        else:
            try:
                result = channels[attempt.channel].send(attempt.message)
            except Exception as error:  # our side failed, not the far side: retried, then technical
                log.exception("notification %s: %s adapter raised", attempt.id, attempt.channel)
                result, technical = Result(Outcome.TEMPORARY, f"error {type(error).__name__}"), True
        results.append((attempt, result, technical))
    return _record(results, policy) if results else []


@dataclass(frozen=True)
class Attempt:
    """One claimed try of a row: what to send, and the number its answer is recorded under."""

    id: int
    number: int
    channel: str
    message: Outgoing | None


def claim(
    session: OrmSession,
    rows: list[Row],
    policy: DeliveryPolicy,
    answers: list,
    destinations: tuple[dict, dict] | None = None,
) -> list[Attempt]:
    """In the caller's transaction, on rows it has locked or has just written: one more attempt
    each, logged and leased; the rows held back (quiet hours, a rate limit) are answered in
    `answers` without using an attempt. The caller commits, then sends what is returned.
    `destinations` are the rows' people by id and windows by code, when the caller has just read
    them."""
    now = utcnow()
    trying, held_back = [], []
    for row in rows:
        held = _held_until(row, now, policy)
        if held is not None:
            row.not_before = row.next_attempt_at = held  # the sweep hands it over then
            wait = (held - now).total_seconds()
            held_back.append((row, wait if wait < 60 else None))
            continue
        row.status = SENDING
        row.attempts += 1
        row.next_attempt_at = now + timedelta(seconds=policy.lease_seconds)
        trying.append(row)
    _save(session, rows)
    answers += [Delivered(row.id, None, wait) for row, wait in held_back]
    if not trying:
        return []
    session.connection().execute(
        _LOG_ATTEMPT,
        [{"notification_id": row.id, "number": row.attempts, "started_at": now, "detail": ""}
         for row in trying],
    )  # fmt: skip
    people, windows = destinations or _load_destinations(session, trying)
    return [
        Attempt(row.id, row.attempts, row.channel, _outgoing(row, people, windows))
        for row in trying
    ]


def _load_destinations(session: OrmSession, rows: list[Row]) -> tuple[dict, dict]:
    """The people and the windows the rows go to, in one read each."""
    people = {int(row.recipient) for row in rows if row.channel != WEBHOOK}
    windows = {row.recipient for row in rows if row.channel == WEBHOOK}
    found_people = (
        {user.id: user for user in session.scalars(select(User).where(User.id.in_(people)))}
        if people
        else {}
    )
    found_windows = (
        {w.code: w for w in session.scalars(select(WindowRow).where(WindowRow.code.in_(windows)))}
        if windows
        else {}
    )
    return found_people, found_windows


def _held_until(row: Row, now, policy: DeliveryPolicy):
    if policy.quiet_hours and quiet_for(row.channel, row.body.get("audience")):
        held = policy.quiet_hours.held_until(now)
        if held is not None:
            return held
    wait = policy.limits.wait(row.channel) if policy.limits else 0.0
    return now + timedelta(seconds=wait) if wait else None


def _outgoing(row: Row, people: dict, windows: dict) -> Outgoing | None:
    """The message for the row's destination as it is now, or None if there is none (an email
    address removed since, a webhook switched off)."""
    body = row.body
    reference = reference_of(row.id)
    if row.channel == WEBHOOK:
        window = windows.get(row.recipient)
        if window is None or not window.webhook_url:
            return None
        payload = {"id": reference, "kind": row.kind, **body}
        return Outgoing(reference, window.webhook_url, body["subject"], body["text"], payload,
                        window.webhook_secret)  # fmt: skip
    person = people.get(int(row.recipient))
    to = None if person is None else (person.email if row.channel == EMAIL else person.phone)
    if not to:
        return None
    if row.channel == SMS and not to.startswith("+"):  # stored as the 11 mainland digits
        to = f"+86{to}"
    return Outgoing(reference, to, body["subject"], text_to_send(body), {})


_ATTEMPTS = DeliveryAttempt.__table__
_LOG_ATTEMPT = insert(_ATTEMPTS)
# Each answer goes on its attempt's log entry, found by its unique (notification, number).
_LOG_ANSWER = (
    update(_ATTEMPTS)
    .where(
        _ATTEMPTS.c.notification_id == bindparam("which"), _ATTEMPTS.c.number == bindparam("nth")
    )
    .values(outcome=bindparam("answer"), detail=bindparam("said"), finished_at=bindparam("at"))
)


def _record(results: list, policy: DeliveryPolicy) -> list[Delivered]:
    session = Session()
    now = utcnow()
    # Read as the rows are now: an answer that a receipt or a later attempt overtook is late.
    ids = [attempt.id for attempt, _, _ in results]
    rows = {row.id: row for row in _read(session, _LOCKED, ids=ids)}
    session.connection().execute(
        _LOG_ANSWER,
        [
            {"which": attempt.id, "nth": attempt.number, "answer": result.outcome,
             "said": result.detail[:200], "at": now}
            for attempt, result, _ in results
        ],
    )  # fmt: skip
    answers, changed = [], []
    for attempt, result, technical in results:
        row = rows[attempt.id]
        if row.status != SENDING or row.attempts != attempt.number or row.sent_at is not None:
            # A receipt or a later attempt got there first: this answer changes nothing more.
            answers.append(Delivered(row.id, row.status))
            continue
        retry_in = _apply(session, row, result, policy, technical, now)
        changed.append(row)
        answers.append(Delivered(row.id, row.status, retry_in))
        if row.status in FINAL and row.status != DELIVERED:
            log.warning("notification %s ended %s (%s)", row.id, row.status, result.detail)
    _save(session, changed)
    session.commit()
    return answers


def _apply(
    session: OrmSession, row: Row, result: Result, policy: DeliveryPolicy, technical: bool, now
):
    """The far side's answer on the row; returns the delay before a retry, if one is due."""
    if result.outcome == Outcome.DELIVERED:
        _finish(session, row, DELIVERED, now)
    elif result.outcome == Outcome.ACCEPTED:  # the receipt will tell; wait for it so long
        row.sent_at, row.provider_id = now, result.provider_id
        row.next_attempt_at = now + timedelta(seconds=policy.receipt_seconds)
    elif result.outcome == Outcome.PERMANENT:
        _finish(session, row, PERMANENT_FAILURE, now)
    elif row.attempts >= policy.attempts:
        _finish(session, row, TECHNICAL_FAILURE if technical else TEMPORARY_FAILURE, now)
    else:
        retry_in = policy.delay(row.attempts)
        row.next_attempt_at = now + timedelta(seconds=retry_in)
        return retry_in
    return None


def _finish(session: OrmSession, row: Row, status: str, now) -> None:
    """The row's final status (the caller saves the row); a failure is told to the admins."""
    row.status, row.finished_at, row.next_attempt_at = status, now, None
    if status == DELIVERED:
        return
    # Admins see every message that did not arrive (GET /api/v1/admin/alerts), once each.
    session.add(
        Alert(
            kind="notification_failed",
            subject=reference_of(row.id),
            message=f"{row.kind} by {row.channel} to {row.recipient_type} {row.recipient}: "
            f"{status}",
            created_at=now,
        )
    )
    if row.channel == SMS and row.body.get("audience") == "applicant":
        _call_the_applicant(session, row, now)


def _call_the_applicant(session: OrmSession, row: Row, now) -> None:
    """An applicant the SMS did not reach is called by the case's window instead."""
    case = session.get(Application, row.application_id) if row.application_id else None
    if case is not None:
        session.add(WindowTask(window_code=case.window_code, kind="call_applicant",
                               application_id=case.id, notification_id=row.id,
                               created_at=now))  # fmt: skip


RECEIPT_STATUSES = {"delivered": DELIVERED, "failed": PERMANENT_FAILURE}


def record_sms_receipt(notification_id: int, status: str) -> Row | None:
    """A provider's delivery receipt. Returns the row (None: no such SMS). A receipt for a row
    already final (late, repeated, out of order) changes nothing."""
    session = Session()
    found = _read(session, _SMS_LOCKED, which=notification_id)
    if not found:
        session.rollback()
        return None
    [row] = found
    if row.status not in FINAL:
        _finish(session, row, RECEIPT_STATUSES[status], utcnow())
        _save(session, [row])
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
    ended = _read(session, _UNANSWERED, ids=unanswered) if unanswered else []
    for row in ended:
        _finish(session, row, TEMPORARY_FAILURE, now)
    _save(session, ended)
    session.commit()
    return [notification_id for notification_id, sent_at in due if sent_at is None], len(ended)
