"""The deadline sweep, run by beat every minute: reminders to applicants whose correction or
pledge falls due soon, expiries (unanswered corrections, pledges not kept, drafts left
untouched), yellow warnings, red escalations, and an alert when deadlines run into a year the
calendar does not cover.

Each change goes through the one transition function. Due rows are locked with SKIP LOCKED and
changed in the same transaction, so two beats sweeping at once never take the same row twice: the
second skips what the first holds, and once the first commits the rows no longer match. (On
SQLite, one writer at a time does the same.)
"""

import datetime as dt
import logging

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from config import LOCAL_TIMEZONE, Config
from workflow.actors import SYSTEM
from workflow.db import Session
from workflow.deadlines import local_today, reminder_window_ends
from workflow.lifecycle import UNDER_REVIEW, Action, Status
from workflow.models import Application, User
from workflow.models.application import HAS_DEADLINE_SQL, PROVISIONAL_SQL
from workflow.repositories import alerts
from workflow.repositories.calendar import load_calendar
from workflow.transitions import apply

log = logging.getLogger(__name__)
# Cases changed per kind per sweep: a backlog is worked off over the next minutes.
SWEEP_BATCH = 500


def sweep_deadlines(
    today: dt.date | None = None, draft_expiry_days: int = Config.DRAFT_EXPIRY_DAYS
) -> dict:
    """One sweep, one transaction; returns counts of what it changed. A draft expires once it
    has not changed for `draft_expiry_days` whole days (Beijing time)."""
    today = today or local_today()
    drafts_before = dt.datetime.combine(
        today - dt.timedelta(days=draft_expiry_days), dt.time.min, LOCAL_TIMEZONE
    )
    session = Session()
    counts = {
        "reminders": _remind(session, today),
        "expired_corrections": _expire(
            session,
            (Application.status == Status.CORRECTION_REQUESTED)
            & (Application.correction_due < today),
            "correction_unanswered",
        ),
        "expired_pledges": _expire(
            session,
            Application.status.in_([str(s) for s in UNDER_REVIEW])
            & (Application.pledge_due < today),
            "pledge_not_kept",
        ),
        "expired_drafts": _expire(
            session,
            (Application.status == Status.DRAFT) & (Application.updated_at < drafts_before),
            "draft_untouched",
        ),
        "red": _escalate(session, today),
        "yellow": _warn(session, today),
        "alerts": _alert_uncovered_years(session),
    }
    session.commit()
    if any(counts.values()):
        log.info("deadline sweep: %s", counts)
    return counts


def _due(session: OrmSession, condition) -> list[Application]:
    query = (
        select(Application)
        .where(condition)
        .order_by(Application.id)
        .limit(SWEEP_BATCH)
        .with_for_update(skip_locked=True)
        .options(selectinload(Application.steps))
    )
    return list(session.scalars(query))


def _each(session: OrmSession, cases: list[Application], change) -> int:
    """Apply `change` to each case; one that raises is left as it was (and found again by the
    next sweep) while the others go on. Returns how many changed."""
    changed = 0
    for case in cases:
        try:
            change(case)
        except Exception as error:
            session.expire(case)  # forget what it half-changed in memory
            log.error("deadline sweep: case %s failed (%s)", case.id, type(error).__name__)
        else:
            changed += 1
    return changed


def _expire(session: OrmSession, condition, reason: str) -> int:
    return _each(
        session,
        _due(session, condition),
        lambda case: apply(session, case, Action.EXPIRE, SYSTEM, data={"reason": reason}),
    )


def _remind(session: OrmSession, today: dt.date) -> int:
    """Once per date: a correction or a pledge due between today and the window's end."""
    until = reminder_window_ends(session, today)

    def due_soon(column):
        return column.between(today, until) & (
            Application.reminded_due.is_(None) | (Application.reminded_due != column)
        )

    answering = Application.status == Status.CORRECTION_REQUESTED
    under_review = Application.status.in_([str(s) for s in UNDER_REVIEW])
    cases = _due(
        session,
        (answering & due_soon(Application.correction_due))
        | (under_review & due_soon(Application.pledge_due)),
    )

    def remind(case: Application) -> None:
        pledge = case.status != Status.CORRECTION_REQUESTED
        due = case.pledge_due if pledge else case.correction_due
        data = {"date": due.isoformat(), **({"documents": case.pledge_documents} if pledge else {})}
        apply(session, case, Action.REMIND, SYSTEM, data=data)
        case.reminded_due = due

    return _each(session, cases, remind)


def _escalate(session: OrmSession, today: dt.date) -> int:
    cases = _due(
        session,
        (Application.status == Status.IN_REVIEW)
        & (Application.sla_status != "red")
        & (Application.due_date < today)
        & text(HAS_DEADLINE_SQL),
    )
    departments = {s.department_code for c in cases for s in c.steps if s.status == "open"}
    heads = _heads(session, departments)

    def escalate(case: Application) -> None:
        open_departments = {s.department_code for s in case.steps if s.status == "open"}
        data = {
            "due_date": case.due_date.isoformat(),
            "heads": sorted(h for d in open_departments for h in heads.get(d, ())),
        }
        apply(session, case, Action.ESCALATE, SYSTEM, data=data)
        case.sla_status = "red"

    return _each(session, cases, escalate)


def _warn(session: OrmSession, today: dt.date) -> int:
    cases = _due(
        session,
        (Application.status == Status.IN_REVIEW)
        & (Application.sla_status == "green")
        & (Application.yellow_on <= today)
        & text(HAS_DEADLINE_SQL),  # always true here; it lets the database use its index
    )

    def warn(case: Application) -> None:
        assignees = sorted(
            {s.assignee_id for s in case.steps if s.status == "open" and s.assignee_id}
        )
        data = {"due_date": case.due_date.isoformat(), "assignees": assignees}
        apply(session, case, Action.WARN, SYSTEM, data=data)
        case.sla_status = "yellow"

    return _each(session, cases, warn)


def _heads(session: OrmSession, departments: set[str]) -> dict[str, list[int]]:
    if not departments:
        return {}
    rows = session.execute(
        select(User.department_code, User.id).where(
            User.department_code.in_(departments), User.is_department_head.is_(True)
        )
    )
    heads: dict[str, list[int]] = {}
    for department, user_id in rows:
        heads.setdefault(department, []).append(user_id)
    return heads


def _alert_uncovered_years(session: OrmSession) -> int:
    """Once per year: deadlines are being counted through a year the calendar lacks."""
    first, last = session.execute(
        select(func.min(Application.accepted_on), func.max(Application.statutory_due_date)).where(
            text(PROVISIONAL_SQL)
        )
    ).one()
    if first is None:
        return 0
    calendar = load_calendar(session)
    raised = 0
    for year in range(first.year, last.year + 1):
        if calendar.is_covered(dt.date(year, 1, 1)):
            continue
        raised += alerts.add_once(
            session,
            "calendar_year_missing",
            str(year),
            f"Deadlines run into {year}, which the working-day calendar does not cover: they "
            f"are counted Monday to Friday and marked provisional until PUT "
            f"/api/v1/calendar/{year} loads it.",
        )
    return raised
