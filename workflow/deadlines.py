"""The clock effect of a transition, applied by workflow/transitions.apply().

A lifecycle row names its effect (start, pause, resume, extend, stop; see lifecycle.Clock); this
module does it on the case in the caller's transaction, with the dates from workflow/clock.py:
the case's own deadlines, each open step's, and the pauses it records.
"""

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from config import LOCAL_TIMEZONE
from workflow.calendar import WorkingCalendar
from workflow.clock import Pause, deadlines, paused_days, sla_status
from workflow.lifecycle import Clock
from workflow.models import Application
from workflow.models._types import utcnow
from workflow.models.application import PROVISIONAL_SQL
from workflow.policies import version_terms
from workflow.repositories.calendar import load_calendar

# The applicant's answer to a correction notice is due this many working days after it, unless
# the window names another date. A rectification after a bad rating (1 or 2) is due
# RECTIFICATION_WORKING_DAYS after it.
CORRECTION_WORKING_DAYS = 15
RECTIFICATION_WORKING_DAYS = 15
# An applicant is reminded once when a correction or a pledge falls due within this many working
# days (the deadline sweep), unless the notice that set the date was already that close.
REMIND_WORKING_DAYS = 2
_LEVELS = ("green", "yellow", "red")


def local_today() -> dt.date:
    """Deadlines are Beijing dates, whatever the server's zone."""
    return utcnow().astimezone(LOCAL_TIMEZONE).date()


def working_days_after(session: OrmSession, start: dt.date, days: int) -> dt.date:
    return load_calendar(session).add_working_days(start, days).date


def reminder_window_ends(session: OrmSession, today: dt.date) -> dt.date:
    """The last due date the sweep reminds of today."""
    return working_days_after(session, today, REMIND_WORKING_DAYS)


def set_due_reminder(session: OrmSession, case: Application, due: dt.date) -> None:
    """A new correction or pledge date: the sweep reminds the applicant of it once it is near,
    unless it is near already, when the notice giving it is the reminder."""
    near = due <= reminder_window_ends(session, local_today())
    case.reminded_due = due if near else None


def apply_clock(session: OrmSession, case: Application, effect: Clock, action: str, data: dict):
    """Start, pause, resume, extend or stop the case's clock; returns what the event records."""
    calendar, today = load_calendar(session), local_today()
    if effect is Clock.ANSWER_DUE:
        given = data.get("date")
        case.correction_due = (
            dt.date.fromisoformat(given)
            if given
            else calendar.add_working_days(today, CORRECTION_WORKING_DAYS).date
        )
        set_due_reminder(session, case, case.correction_due)
        return {"answer_due": case.correction_due.isoformat()}
    if effect is Clock.START:
        terms = version_terms(session, case.policy_code, case.policy_version)
        case.accepted_on, case.correction_due = today, None
        case.promised_days = terms.promised_working_days
        case.statutory_days = terms.statutory_working_days
        case.sla_status = "green"
    elif effect is Clock.PAUSE:
        pause = {"kind": str(action), "started_on": today.isoformat(), "ended_on": None}
        case.pauses = [*case.pauses, pause]  # a new list, so the ORM sees the JSON column change
        return {"paused_on": today.isoformat()}
    elif effect is Clock.EXTEND:
        case.promised_days += data["days"]
        case.statutory_days += data["days"]
    else:  # RESUME, STOP: the running pause ends today
        case.pauses = [
            {**pause, "ended_on": pause["ended_on"] or today.isoformat()} for pause in case.pauses
        ]
        if effect is Clock.STOP:
            return {}
    recompute(case, calendar, today)
    return {
        "due_date": case.due_date.isoformat(),
        "statutory_due_date": case.statutory_due_date.isoformat(),
    }


def recompute(case: Application, calendar: WorkingCalendar, today: dt.date) -> None:
    """The case's deadlines from its start, day counts and pauses; its open steps' too."""
    pauses = _pauses(case)
    result = deadlines(
        calendar,
        case.accepted_on,
        case.promised_days,
        case.statutory_days,
        paused_days(calendar, pauses, today),
    )
    case.due_date, case.statutory_due_date, case.yellow_on = result[:3]
    case.due_date_provisional = result.provisional
    # An extension may bring a case back from yellow or red; only the sweep raises the level,
    # since raising it is what notifies.
    now = sla_status(today, case.due_date, case.yellow_on)
    if _LEVELS.index(now) < _LEVELS.index(case.sla_status or "green"):
        case.sla_status = now
    for step in case.steps:
        if step.status == "open" and step.opened_on is not None:
            step.due_date = _step_due(calendar, step.opened_on, step.working_days, pauses, today)


def recompute_provisional(session: OrmSession, calendar: WorkingCalendar) -> int:
    """Recount every deadline marked provisional (a calendar year was just loaded)."""
    cases = session.scalars(
        select(Application)
        .where(text(PROVISIONAL_SQL), Application.accepted_on.is_not(None))
        .options(selectinload(Application.steps))
    ).all()
    today = local_today()
    for case in cases:
        recompute(case, calendar, today)
    return len(cases)


def date_open_steps(session: OrmSession, case: Application) -> None:
    """Give the steps that just opened their own deadline (the stage's working days)."""
    fresh = [s for s in case.steps if s.status == "open" and s.opened_on is None]
    if not fresh:
        return
    calendar, today = load_calendar(session), local_today()
    for step in fresh:
        step.opened_on = today
        step.due_date = calendar.add_working_days(today, step.working_days).date


def _pauses(case: Application) -> list[Pause]:
    return [
        Pause(
            dt.date.fromisoformat(p["started_on"]),
            dt.date.fromisoformat(p["ended_on"]) if p["ended_on"] else None,
        )
        for p in case.pauses
    ]


def _step_due(
    calendar: WorkingCalendar,
    opened_on: dt.date,
    days: int,
    pauses: Iterable[Pause],
    today: dt.date,
) -> dt.date:
    since_opened = [p for p in pauses if p.started_on >= opened_on]
    paused = paused_days(calendar, since_opened, today)
    return calendar.add_working_days(opened_on, days + paused).date
