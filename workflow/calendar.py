"""Working-day arithmetic on the official schedule: Monday to Friday, except the listed dates.

The exceptions are few (a few dozen a year: weekday holidays and 调休 make-up weekends), so a
count over any span is plain weekday arithmetic plus a prefix sum over the sorted exceptions:
O(log n) however long the span, cheap enough for every acceptance and every sweep.

A year outside `covered_years` is counted Monday to Friday, and a due date reached through one
says so (`provisional`), so the caller can alert instead of silently guessing.
"""

from bisect import bisect_right
from collections.abc import Collection, Mapping
from datetime import date
from itertools import accumulate
from typing import NamedTuple

# The years an admin may schedule and the API answers for.
FIRST_YEAR = 2000
LAST_YEAR = 2100
# Ordinal 1 (0001-01-01) is a Monday, so weekday(ordinal) == (ordinal - 1) % 7.
_WEEK = 7
_WORKING_PER_WEEK = 5


class Due(NamedTuple):
    date: date
    provisional: bool  # a day counted lies in a year the calendar does not cover


def _plain_working(day: date) -> bool:
    return day.weekday() < _WORKING_PER_WEEK


def _weekdays_through(ordinal: int) -> int:
    """Monday-to-Friday days among ordinals 1..ordinal."""
    weeks, rest = divmod(ordinal, _WEEK)
    return weeks * _WORKING_PER_WEEK + min(rest, _WORKING_PER_WEEK)


def _plain_add(ordinal: int, days: int) -> int:
    """The `days`-th Monday-to-Friday day after `ordinal`."""
    weekday = (ordinal - 1) % _WEEK
    if weekday >= _WORKING_PER_WEEK:  # from a weekend, count as from the Friday before
        ordinal -= weekday - (_WORKING_PER_WEEK - 1)
        weekday = _WORKING_PER_WEEK - 1
    weeks, rest = divmod(days, _WORKING_PER_WEEK)
    skip_weekend = 2 if weekday + rest >= _WORKING_PER_WEEK else 0
    return ordinal + weeks * _WEEK + rest + skip_weekend


class WorkingCalendar:
    def __init__(self, exceptions: Mapping[date, bool], covered_years: Collection[int]) -> None:
        # Entries that agree with the plain rule change nothing; dropping them keeps the
        # prefix sums exact.
        changed = sorted(
            (day.toordinal(), working)
            for day, working in exceptions.items()
            if working != _plain_working(day)
        )
        self._exceptions = {date.fromordinal(ordinal): working for ordinal, working in changed}
        self._ordinals = [ordinal for ordinal, _ in changed]
        # _shift[i]: how many working days the first i exceptions add (+1) or remove (-1).
        self._shift = [0, *accumulate(1 if working else -1 for _, working in changed)]
        self._covered = frozenset(covered_years)

    def is_working_day(self, day: date) -> bool:
        return self._exceptions.get(day, _plain_working(day))

    def is_covered(self, day: date) -> bool:
        return day.year in self._covered

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; 0 when end <= start."""
        if end <= start:
            return 0
        return self._count(start.toordinal(), end.toordinal())

    def add_working_days(self, start: date, days: int) -> Due:
        """The `days`-th working day after `start` (the next working day is the first)."""
        if days < 1:
            raise ValueError(f"days must be at least 1, not {days}")
        origin = start.toordinal()
        # The answer is the smallest ordinal whose count reaches `days` (the count rises only on
        # a working day, so that ordinal is one). Guess with the plain rule, jump forward by the
        # shortfall until the count is reached, then narrow down past any make-up weekend.
        low, high = origin + days - 1, _plain_add(origin, days)
        while (shortfall := days - self._count(origin, high)) > 0:
            low, high = high, _plain_add(high, shortfall)
        if self._count(origin, high - 1) >= days:
            while high - low > 1:
                middle = (low + high) // 2
                if self._count(origin, middle) >= days:
                    high = middle
                else:
                    low = middle
        due = date.fromordinal(high)
        return Due(due, self._crosses_uncovered_year(start, due))

    def _count(self, start_ordinal: int, end_ordinal: int) -> int:
        plain = _weekdays_through(end_ordinal) - _weekdays_through(start_ordinal)
        shift = (
            self._shift[bisect_right(self._ordinals, end_ordinal)]
            - self._shift[bisect_right(self._ordinals, start_ordinal)]
        )
        return plain + shift

    def _crosses_uncovered_year(self, start: date, end: date) -> bool:
        """Whether a day in (start, end] lies in a year not covered."""
        first = start.year + (start.month == 12 and start.day == 31)
        return not self._covered.issuperset(range(first, end.year + 1))
