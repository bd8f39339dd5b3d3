"""Keeping the working-day calendar: seeded from the chinesecalendar library, corrected by admins.

Only the dates that differ from Monday to Friday are stored (weekday holidays, 调休 make-up
weekends), so what GET returns is exactly what an admin may PUT back.
"""

from collections.abc import Iterable
from datetime import date

import chinese_calendar
from chinese_calendar.constants import Holiday
from sqlalchemy.orm import Session as OrmSession

from workflow.actors import Actor
from workflow.calendar import FIRST_YEAR, LAST_YEAR
from workflow.db import Session
from workflow.deadlines import recompute_provisional
from workflow.errors import Forbidden, InvalidInput, NotFound
from workflow.lifecycle import Role
from workflow.models import AdminEvent, CalendarDay, CalendarYear
from workflow.models._types import utcnow
from workflow.repositories import calendar as calendar_repo

LIBRARY_SOURCE = f"chinese-calendar {chinese_calendar.__version__}"
ADMIN_SOURCE = "admin"
FIRST_SEEDED_YEAR = 2020
MAKE_UP_NOTE = "调休上班"
NOTE_MAX = 100


def library_schedule() -> dict[int, list[CalendarDay]]:
    """The years the library covers (from FIRST_SEEDED_YEAR), each with the days that differ."""
    holidays, workdays = chinese_calendar.constants.holidays, chinese_calendar.constants.workdays
    # A year is covered when the library lists its holidays, even if all fall on weekends.
    covered = sorted({day.year for day in holidays if day.year >= FIRST_SEEDED_YEAR})
    by_year: dict[int, list[CalendarDay]] = {year: [] for year in covered}
    for day, name in holidays.items():
        if day.year in by_year and day.weekday() < 5:
            by_year[day.year].append(
                CalendarDay(day=day, working=False, note=Holiday(name).chinese)
            )
    for day in workdays:
        if day.year in by_year and day.weekday() >= 5:
            by_year[day.year].append(CalendarDay(day=day, working=True, note=MAKE_UP_NOTE))
    return {year: sorted(days, key=lambda row: row.day) for year, days in by_year.items()}


def seed_calendar() -> int:
    """Loads every year the library covers; returns how many years it now backs.

    Idempotent: a year already loaded from this library version is left alone, one from an older
    version is reloaded, and a year an admin replaced is never overwritten.
    """
    session = Session()
    held = calendar_repo.list_years(session)
    backed = 0
    for year, days in library_schedule().items():
        current = held.get(year)
        if current is not None and current.source == ADMIN_SOURCE:
            continue
        if current is None or current.source != LIBRARY_SOURCE:
            _write_year(session, year, days, LIBRARY_SOURCE)
        backed += 1
    session.commit()
    calendar_repo.forget_cached_calendar()
    return backed


def replace_year(actor: Actor, year: int, days: list[dict]) -> list[CalendarDay]:
    """An admin's schedule for `year`: each entry {date, working, note} differs from Mon-Fri."""
    if actor.role != Role.ADMIN:
        raise Forbidden("Only an admin edits the working-day calendar.")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(f"The calendar holds the years {FIRST_YEAR} to {LAST_YEAR}.")
    rows = _validated(year, days)
    session = Session()
    previous = calendar_repo.get_year(session, year)
    session.add(
        AdminEvent(
            actor_id=actor.user_id,
            actor_role=actor.role,
            action="replace_calendar_year",
            subject=str(year),
            data={
                "holidays": sum(not row.working for row in rows),
                "make_up_days": sum(row.working for row in rows),
                "replaced_source": previous.source if previous else None,
            },
        )
    )
    _write_year(session, year, rows, ADMIN_SOURCE)
    session.commit()
    calendar_repo.forget_cached_calendar()
    return rows


def _write_year(session: OrmSession, year: int, rows: Iterable[CalendarDay], source: str) -> None:
    calendar_repo.delete_days_of_year(session, year)
    session.add_all(rows)
    session.merge(CalendarYear(year=year, source=source, loaded_at=utcnow()))
    session.flush()
    _after_year_loaded(session, year)


def _after_year_loaded(session: OrmSession, year: int) -> None:
    """Deadlines counted through `year` while it was not covered were marked provisional; they
    are recomputed here, in the same transaction as the new schedule."""
    recompute_provisional(session, calendar_repo.read_calendar(session))


def _validated(year: int, days: list[dict]) -> list[CalendarDay]:
    errors: dict[str, list[str]] = {}
    first_index: dict[date, int] = {}
    rows = []
    for index, entry in enumerate(days):
        day, working, note = entry["date"], entry["working"], entry.get("note") or ""
        where = f"days.{index}"
        if day.year != year:
            errors[f"{where}.date"] = [f"Not in {year}."]
        elif day in first_index:
            errors[f"{where}.date"] = [f"Listed twice (first as days.{first_index[day]})."]
        else:
            first_index[day] = index
        if working == (day.weekday() < 5):
            plain = "a working day" if working else "a day off"
            errors[f"{where}.working"] = [
                f"{day.isoformat()} is {plain} already; list only the days that differ."
            ]
        if len(note) > NOTE_MAX:
            errors[f"{where}.note"] = [f"At most {NOTE_MAX} characters."]
        rows.append(CalendarDay(day=day, working=working, note=note))
    if errors:
        raise InvalidInput("Some calendar days are invalid.", errors=errors)
    return sorted(rows, key=lambda row: row.day)
