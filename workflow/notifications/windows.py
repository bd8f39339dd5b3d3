"""Notices to the windows that are not about one case: an admin's broadcast to all 23, and each
window's morning digest (new cases, due today, yellow, red).

Either is fanned out as one outbox row per window, and each row is its own task, so no task
outlives the broker's visibility timeout however slow one window's recipients are. A window's
notification rows are unique per (source, recipient, channel): a task that runs twice, or a
fan-out started twice, writes them once, and they are delivered once.
"""

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from config.queues import TaskNames
from workflow import outbox
from workflow.actors import Actor
from workflow.db import Session
from workflow.errors import Forbidden
from workflow.lifecycle import Role, Status
from workflow.models import (
    Application,
    Broadcast,
    Notification,
    NotificationRule,
    OutboxMessage,
    ScheduledRun,
    User,
)
from workflow.models import Window as WindowRow
from workflow.models._types import utcnow
from workflow.models.application import UNDER_REVIEW_SQL
from workflow.notifications import (
    BROADCAST,
    CREATED,
    DAILY_DIGEST,
    DELIVERED,
    EMAIL,
    IN_APP,
    USER,
    WEBHOOK,
    WINDOW_BOX,
)  # fmt: skip
from workflow.notifications import templates as wording
from workflow.notifications.delivery import Attempt, Delivered, DeliveryPolicy, Row, claim
from workflow.notifications.dispatch import FIRST_ATTEMPT_GRACE
from workflow.repositories.calendar import load_calendar

_TASK = TaskNames.NOTIFY_WINDOW
DIGEST_FROM = dt.time(8, 30)  # Beijing: the morning digest goes out at the first ask from then
_OUTBOX_RETURNING = insert(OutboxMessage.__table__).returning(
    OutboxMessage.__table__.c.id, sort_by_parameter_order=True
)
_NOTIFICATIONS_RETURNING = insert(Notification.__table__).returning(
    Notification.__table__.c.id, sort_by_parameter_order=True
)


def broadcast(
    session: OrmSession, actor: Actor, kind: str, words: dict[str, str]
) -> tuple[Broadcast, int]:
    """An admin's message to every window, in the caller's transaction: the row and the number
    of windows it goes to. `words` holds subject_zh, text_zh, subject_en and text_en (English
    falls back to the Chinese)."""
    if actor.role != Role.ADMIN:
        raise Forbidden("Only an admin broadcasts to the windows.")
    row = Broadcast(
        kind=kind,
        subject_zh=words["subject_zh"],
        text_zh=words["text_zh"],
        subject_en=words.get("subject_en") or words["subject_zh"],
        text_en=words.get("text_en") or words["text_zh"],
        created_by=actor.user_id,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row, _fan_out(session, f"broadcast:{row.id}", BROADCAST)


def start_digest(today: dt.date) -> int:
    """The morning digest of `today` (Beijing), on working days, once: the number of windows
    told (none when it was started already, by an earlier ask or by another beat at once)."""
    session = Session()
    if not load_calendar(session).is_working_day(today) or session.get(
        ScheduledRun, (DAILY_DIGEST, today)
    ):
        session.rollback()
        return 0
    session.add(ScheduledRun(job=DAILY_DIGEST, run_on=today, started_at=utcnow()))
    try:
        session.flush()  # a second beat asking at once waits here, then finds the first's row
    except IntegrityError:
        session.rollback()
        return 0
    windows = _fan_out(session, f"digest:{today.isoformat()}", DAILY_DIGEST)
    session.commit()
    return windows


def _fan_out(session: OrmSession, source: str, kind: str) -> int:
    codes = list(session.scalars(select(WindowRow.code).order_by(WindowRow.code)))
    now = utcnow()
    rows = [
        {"task": _TASK, "payload": {"source": source, "kind": kind, "window": code},
         "created_at": now, "attempts": 0}
        for code in codes
    ]  # fmt: skip
    for outbox_id in session.execute(_OUTBOX_RETURNING, rows).scalars():
        outbox.publish_after_commit(session, _TASK, outbox_id)  # one message each: see above
    return len(codes)


def notify_window(
    outbox_ids: list[int], policy: DeliveryPolicy
) -> tuple[list[Attempt], list[Delivered]]:
    """Write one window's rows for a broadcast or a digest, and claim the ones that leave the
    system in the same transaction; safe to run twice. Returns the claimed attempts, which the
    same task then sends (a window's few recipients need no further messages through the
    broker), and the answers for rows held back. Should the task die first, the sweep hands the
    rows over once their lease is over."""
    session = Session()
    messages = outbox.claim(session, outbox_ids, _TASK)
    rows, people, windows = [], {}, {}
    for message in messages:
        source, kind, window = (message.payload[k] for k in ("source", "kind", "window"))
        rows += _window_rows(session, source, kind, window, people, windows)
    ids = session.connection().execute(_NOTIFICATIONS_RETURNING, rows).scalars() if rows else []
    outgoing = [
        Row.written(notification_id, row)
        for notification_id, row in zip(ids, rows, strict=True)
        if row["channel"] != IN_APP
    ]
    answers: list[Delivered] = []
    claimed = claim(session, outgoing, policy, answers, (people, windows))
    outbox.mark_processed(session, messages)
    session.commit()
    return claimed, answers


# Built once: these run for every window of every fan-out. Plain columns, no ORM entities: the
# rows are only read.
_RULES = select(NotificationRule.__table__.c.channel).where(
    NotificationRule.__table__.c.kind == bindparam("kind"),
    NotificationRule.__table__.c.recipient == "window",
    NotificationRule.__table__.c.active,
)
_W, _U, _N = WindowRow.__table__.c, User.__table__.c, Notification.__table__.c
_WINDOW = select(_W.code, _W.webhook_url, _W.webhook_secret).where(_W.code == bindparam("code"))
# The window and its clerks with an email address in one read (a window without: one row, None).
_WINDOW_AND_CLERKS = (
    _WINDOW.add_columns(_U.id, _U.email, _U.language)
    .outerjoin(
        User.__table__,
        (_U.window_code == _W.code) & (_U.role == Role.WINDOW_CLERK) & _U.email.is_not(None),
    )
    .order_by(_U.id)
)
_WRITTEN = select(_N.recipient_type, _N.recipient, _N.channel).where(
    _N.source == bindparam("source"), _N.recipient.in_(bindparam("recipients", expanding=True))
)
_B = Broadcast.__table__.c
_BROADCAST = select(_B.subject_zh, _B.text_zh, _B.subject_en, _B.text_en).where(
    _B.id == bindparam("id")
)


class _Clerk(NamedTuple):
    """What an email to a clerk needs of them (delivery's _outgoing reads `email`)."""

    id: int
    email: str
    language: str | None


def _window_rows(
    session: OrmSession, source: str, kind: str, window_code: str, people: dict, windows: dict
) -> list[dict]:
    """The rows this window's rules call for that are not written yet; the window and the
    clerks it read go into `windows` and `people`, for their delivery."""
    connection = session.connection()
    channels = set(connection.execute(_RULES, {"kind": kind}).scalars())
    if not channels:
        return []
    window, clerks = _window_and_clerks(connection, window_code, EMAIL in channels)
    if window is None:
        return []
    windows[window_code] = window
    addresses = []  # (recipient type, address, channel, language)
    if IN_APP in channels:
        addresses.append((WINDOW_BOX, window_code, IN_APP, "zh"))
    if WEBHOOK in channels and window.webhook_url:
        addresses.append((WINDOW_BOX, window_code, WEBHOOK, "zh"))
    for clerk in clerks:
        people[clerk.id] = clerk
        addresses.append((USER, str(clerk.id), EMAIL, clerk.language or "zh"))
    recipients = list({address for _, address, _, _ in addresses})
    written = set(connection.execute(_WRITTEN, {"source": source, "recipients": recipients}).all())
    words = wording.latest(session, {kind})
    values = _values(session, source, kind, window_code)
    now, rows = utcnow(), []
    for box, address, channel, language in addresses:
        if (box, address, channel) in written:
            continue
        template = words.get((kind, language)) or words[(kind, "zh")]
        rendered = wording.render(template, values[template.language])
        rows.append(
            {"source": source, "recipient_type": box, "recipient": address, "channel": channel,
             "kind": kind, "status": DELIVERED if channel == IN_APP else CREATED,
             "body": {"audience": "window", "window": window_code, "subject": rendered.subject,
                      "text": rendered.text, "language": template.language,
                      "template_version": rendered.version},
             "created_at": now, "attempts": 0,
             "next_attempt_at": None if channel == IN_APP else now + FIRST_ATTEMPT_GRACE}
        )  # fmt: skip
    return rows


def _window_and_clerks(connection, window_code: str, with_clerks: bool) -> tuple[Any, list]:
    """The window (code, webhook_url, webhook_secret) and, if asked, its clerks with an email
    address, in one read."""
    if not with_clerks:
        return connection.execute(_WINDOW, {"code": window_code}).first(), []
    found = connection.execute(_WINDOW_AND_CLERKS, {"code": window_code}).all()
    if not found:
        return None, []
    return found[0], [_Clerk(*row[3:]) for row in found if row.id is not None]


def _values(session: OrmSession, source: str, kind: str, window_code: str) -> dict[str, dict]:
    """The template values per language."""
    if kind == BROADCAST:
        broadcast_id = int(source.removeprefix("broadcast:"))
        row = session.connection().execute(_BROADCAST, {"id": broadcast_id}).one()
        return {
            "zh": {"title": row.subject_zh, "body": row.text_zh},
            "en": {"title": row.subject_en, "body": row.text_en},
        }
    day = source.removeprefix("digest:")
    counts = _digest_counts(session, window_code, dt.date.fromisoformat(day))
    values = {"window": window_code, "date": day, **counts}
    return {"zh": values, "en": values}


def _digest_counts(session: OrmSession, window_code: str, today: dt.date) -> dict[str, int]:
    of_window = Application.window_code == window_code
    live = text(UNDER_REVIEW_SQL)

    def count(*conditions) -> int:
        return session.scalar(select(func.count()).where(of_window, *conditions)) or 0

    return {
        "new": count(Application.status == Status.AT_WINDOW),
        "due_today": count(live, Application.due_date == today),
        "yellow": count(live, Application.sla_status == "yellow"),
        "red": count(live, Application.sla_status == "red"),
    }
