"""Working-day arithmetic: properties over random schedules, and the real 2025/2026 schedule."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.calendar import Due, WorkingCalendar
from workflow.services.calendar import library_schedule

SPAN_START, SPAN_END = date(2024, 1, 1), date(2028, 12, 31)
days_in_span = st.dates(min_value=SPAN_START, max_value=SPAN_END)
covered_years = st.sets(st.integers(min_value=2023, max_value=2030))


@st.composite
def calendars(draw) -> WorkingCalendar:
    """Random schedules, including long breaks, make-up weekends and entries equal to Mon-Fri."""
    exceptions = draw(st.dictionaries(days_in_span, st.booleans(), max_size=120))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        start = draw(days_in_span)
        exceptions.update({start + timedelta(days=n): False for n in range(9)})
    return WorkingCalendar(exceptions, draw(covered_years))


def _naive_due(calendar: WorkingCalendar, start: date, days: int) -> date:
    day = start
    while days:
        day += timedelta(days=1)
        days -= calendar.is_working_day(day)
    return day


def _real() -> WorkingCalendar:
    schedule = library_schedule()
    exceptions = {row.day: row.working for rows in schedule.values() for row in rows}
    return WorkingCalendar(exceptions, covered_years=list(schedule))


REAL = _real()


@given(calendars(), days_in_span, st.integers(min_value=1, max_value=120))
def test_adding_n_working_days_then_counting_back_gives_n(calendar, start, n):
    due = calendar.add_working_days(start, n).date
    assert calendar.working_days_between(start, due) == n
    assert calendar.working_days_between(start, due - timedelta(days=1)) == n - 1


@given(calendars(), days_in_span, st.integers(min_value=1, max_value=120))
def test_a_due_date_is_a_working_day_and_the_one_a_day_by_day_walk_finds(calendar, start, n):
    due = calendar.add_working_days(start, n).date
    assert calendar.is_working_day(due)
    assert due == _naive_due(calendar, start, n)


@given(calendars(), days_in_span, days_in_span)
def test_counting_agrees_with_a_day_by_day_walk(calendar, start, end):
    walked = sum(
        calendar.is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1)
    )
    assert calendar.working_days_between(start, end) == walked


@given(calendars(), days_in_span, st.integers(min_value=1, max_value=120))
def test_provisional_exactly_when_a_day_counted_lies_in_an_uncovered_year(calendar, start, n):
    due = calendar.add_working_days(start, n)
    counted = (start + timedelta(days=k) for k in range(1, (due.date - start).days + 1))
    assert due.provisional == any(not calendar.is_covered(day) for day in counted)


def test_uncovered_years_are_counted_monday_to_friday():
    calendar = WorkingCalendar({date(2030, 10, 1): False}, covered_years=[2029])
    # Friday 2031-01-03 plus one working day: Monday, provisional (2031 is not covered).
    assert calendar.add_working_days(date(2031, 1, 3), 1) == Due(date(2031, 1, 6), True)
    assert calendar.add_working_days(date(2029, 12, 28), 1) == Due(date(2029, 12, 31), False)
    assert calendar.add_working_days(date(2029, 12, 28), 2).provisional
    assert not calendar.is_working_day(date(2030, 10, 1))
    assert not calendar.is_covered(date(2030, 10, 1)) and calendar.is_covered(date(2029, 1, 1))


def test_fewer_than_one_working_day_is_refused():
    with pytest.raises(ValueError):
        WorkingCalendar({}, []).add_working_days(date(2026, 1, 5), 0)


def test_between_is_zero_unless_the_end_is_later():
    assert REAL.working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert REAL.working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == 0


def test_the_library_covers_2020_to_2026():
    assert list(library_schedule()) == list(range(2020, 2027))


def test_national_day_2025_with_its_make_up_weekends():
    for day in range(1, 9):
        assert not REAL.is_working_day(date(2025, 10, day)), day
    assert REAL.is_working_day(date(2025, 9, 28))  # Sunday, 调休
    assert REAL.is_working_day(date(2025, 10, 11))  # Saturday, 调休
    assert not REAL.is_working_day(date(2025, 10, 12))
    # Friday 2025-09-26: Sunday 28, Monday 29, Tuesday 30, then Thursday 9 October.
    assert REAL.add_working_days(date(2025, 9, 26), 4) == Due(date(2025, 10, 9), False)
    assert REAL.working_days_between(date(2025, 9, 30), date(2025, 10, 10)) == 2


def test_spring_festival_2026_and_a_deadline_into_an_uncovered_year():
    for day in range(15, 24):
        assert not REAL.is_working_day(date(2026, 2, day)), day
    assert REAL.is_working_day(date(2026, 2, 14)) and REAL.is_working_day(date(2026, 2, 28))
    assert REAL.add_working_days(date(2026, 2, 13), 1) == Due(date(2026, 2, 14), False)
    assert REAL.add_working_days(date(2026, 2, 14), 1) == Due(date(2026, 2, 24), False)
    assert REAL.add_working_days(date(2026, 12, 25), 5).provisional  # reaches 2027


def test_new_year_2026():
    assert not REAL.is_working_day(date(2026, 1, 1)) and not REAL.is_working_day(date(2026, 1, 2))
    assert REAL.is_working_day(date(2026, 1, 4))  # Sunday, 调休
    assert REAL.add_working_days(date(2025, 12, 31), 1) == Due(date(2026, 1, 4), False)
