"""The working-day calendar as stored, and as the request path and the sweeps use it.

`load_calendar` is read on every acceptance and by every sweep; the schedule changes a few times a
year, so each process keeps it for CALENDAR_TTL_SECONDS (a change made in this process is seen at
once: the service forgets the cached copy).
"""

import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session as OrmSession

from workflow.calendar import WorkingCalendar
from workflow.models import CalendarDay, CalendarYear

CALENDAR_TTL_SECONDS = 30.0


@dataclass(frozen=True)
class YearSchedule:
    year: int
    covered: bool
    source: str | None
    days: list[CalendarDay]


class _Cache:
    def __init__(self) -> None:
        self.loaded_at = float("-inf")
        self.calendar = WorkingCalendar({}, ())

    def fresh(self, session: OrmSession) -> WorkingCalendar:
        if time.monotonic() - self.loaded_at > CALENDAR_TTL_SECONDS:
            self.calendar = read_calendar(session)
            self.loaded_at = time.monotonic()
        return self.calendar


def read_calendar(session: OrmSession) -> WorkingCalendar:
    """The calendar as this transaction sees it, not cached."""
    rows = session.execute(select(CalendarDay.day, CalendarDay.working)).all()
    covered = session.scalars(select(CalendarYear.year)).all()
    return WorkingCalendar({day: working for day, working in rows}, covered)


_cache = _Cache()


def load_calendar(session: OrmSession) -> WorkingCalendar:
    return _cache.fresh(session)


def forget_cached_calendar() -> None:
    _cache.loaded_at = float("-inf")


def _within(year: int):
    return CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))


def list_year(session: OrmSession, year: int) -> YearSchedule:
    held = session.get(CalendarYear, year)
    if held is None:
        return YearSchedule(year, covered=False, source=None, days=[])
    days = session.scalars(select(CalendarDay).where(_within(year)).order_by(CalendarDay.day))
    return YearSchedule(year, covered=True, source=held.source, days=list(days))


def get_year(session: OrmSession, year: int) -> CalendarYear | None:
    return session.get(CalendarYear, year)


def list_years(session: OrmSession) -> dict[int, CalendarYear]:
    return {held.year: held for held in session.scalars(select(CalendarYear))}


def delete_days_of_year(session: OrmSession, year: int) -> None:
    session.execute(delete(CalendarDay).where(_within(year)))
