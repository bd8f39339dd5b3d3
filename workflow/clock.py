"""A case's deadline clock, counted in working days from acceptance (受理).

Counting starts the next working day. Corrections, special procedures and suspensions pause the
clock: the working days a pause covers are added back. An extension adds working days. Every
deadline is computed by one function, `deadlines()`, from what is stored on the case (the start,
the day counts, the pauses): starting, resuming, extending and recomputing after a calendar year
is loaded all call it, so they cannot disagree. Pure: no database.
"""

import math
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from workflow.calendar import WorkingCalendar

# Yellow when this share of the promised time is used, or this many working days are left.
YELLOW_SHARE = 0.8
YELLOW_DAYS_LEFT = 2


class Pause(NamedTuple):
    started_on: date
    ended_on: date | None  # None: still paused


class Deadlines(NamedTuple):
    due_date: date  # the last working day of the promised time
    statutory_due_date: date
    yellow_on: date  # from this day on the case is yellow
    provisional: bool  # some day counted lies in a year the calendar does not cover


def paused_days(calendar: WorkingCalendar, pauses: Iterable[Pause], today: date) -> int:
    """Working days the pauses cover (a pause still running counts up to today)."""
    return sum(calendar.working_days_between(p.started_on, p.ended_on or today) for p in pauses)


def deadlines(
    calendar: WorkingCalendar,
    started_on: date,
    promised_days: int,
    statutory_days: int,
    paused: int,
) -> Deadlines:
    """The deadlines of a clock started on `started_on` with `paused` working days excluded."""
    due = calendar.add_working_days(started_on, promised_days + paused)
    statutory = calendar.add_working_days(started_on, max(statutory_days, promised_days) + paused)
    used_up = max(1, math.ceil(promised_days * YELLOW_SHARE))
    nearly_due = max(1, promised_days - YELLOW_DAYS_LEFT)
    yellow = calendar.add_working_days(started_on, min(used_up, nearly_due) + paused)
    return Deadlines(
        due.date, statutory.date, yellow.date, due.provisional or statutory.provisional
    )


def sla_status(today: date, due_date: date | None, yellow_on: date | None) -> str:
    """green / yellow / red on `today` (no clock: green)."""
    if due_date is None or yellow_on is None:
        return "green"
    if today > due_date:
        return "red"
    return "yellow" if today >= yellow_on else "green"
