"""The working-day calendar: read by anyone, replaced a year at a time by an admin, on the record."""

from datetime import date

import pytest
from sqlalchemy import delete, select

from tests.factories import auth, staff
from workflow.db import Session
from workflow.models import AdminEvent, CalendarDay, CalendarYear
from workflow.repositories.calendar import load_calendar
from workflow.services.calendar import LIBRARY_SOURCE, seed_calendar

# 2031 is a year the library does not cover; its 国庆 and a make-up Saturday.
OCTOBER_2031 = [
    {"date": "2031-10-01", "working": False, "note": "国庆节"},
    {"date": "2031-10-02", "working": False, "note": "国庆节"},
    {"date": "2031-09-27", "working": True, "note": "调休上班"},
]


@pytest.fixture
def calendar_restored(client):
    """Puts the seeded calendar back and empties admin_events (whose rows point at users)."""
    yield
    session = Session()
    session.execute(delete(AdminEvent))
    for held in session.scalars(select(CalendarYear).where(CalendarYear.source == "admin")):
        held_year = held.year
        session.execute(
            delete(CalendarDay).where(
                CalendarDay.day.between(date(held_year, 1, 1), date(held_year, 12, 31))
            )
        )
        session.delete(held)
    session.commit()
    seed_calendar()
    Session.remove()


def _put(client, year, days, token):
    return client.put(f"/api/v1/calendar/{year}", json={"days": days}, headers=auth(token))


def test_anyone_reads_a_seeded_year(client):
    body = client.get("/api/v1/calendar/2025").json
    assert body["year"] == 2025 and body["covered"] and body["source"] == LIBRARY_SOURCE
    days = {day["date"]: day for day in body["days"]}
    assert [d["date"] for d in body["days"]] == sorted(days)
    assert days["2025-10-01"] == {"date": "2025-10-01", "working": False, "note": "国庆节"}
    assert days["2025-09-28"] == {"date": "2025-09-28", "working": True, "note": "调休上班"}
    assert days["2025-01-01"]["note"] == "元旦"
    assert "2025-10-04" not in days  # a Saturday off is no exception to the rule


def test_a_year_not_covered_and_years_out_of_range(client):
    assert client.get("/api/v1/calendar/2031").json == {
        "year": 2031,
        "covered": False,
        "source": None,
        "days": [],
    }
    for year in (1999, 2101, -1, 99999999999999999999):
        response = client.get(f"/api/v1/calendar/{year}")
        assert response.status_code == 404 and response.json["code"] == 404, year


def test_the_read_is_public_in_the_api_document(client):
    operations = client.get("/openapi.json").json["paths"]["/api/v1/calendar/{year}"]
    assert operations["get"]["security"] == [] and "security" not in operations["put"]


def test_an_admin_replaces_a_year_on_the_record(client, calendar_restored):
    admin = staff(client, "admin")
    response = _put(client, 2031, OCTOBER_2031, admin)
    assert response.status_code == 200, response.json
    expected = {
        "year": 2031,
        "covered": True,
        "source": "admin",
        "days": sorted(OCTOBER_2031, key=lambda day: day["date"]),
    }
    assert response.json == expected
    assert client.get("/api/v1/calendar/2031").json == expected
    event = Session().scalars(select(AdminEvent)).one()
    assert (event.action, event.subject, event.actor_role) == (
        "replace_calendar_year",
        "2031",
        "admin",
    )
    assert event.data == {"holidays": 2, "make_up_days": 1, "replaced_source": None}
    assert event.actor_id is not None and event.created_at.tzinfo is not None


def test_a_replaced_year_is_seen_at_once_and_survives_reseeding(client, calendar_restored):
    session = Session()
    before = load_calendar(session)
    assert not before.is_working_day(date(2026, 10, 1))
    assert before.add_working_days(date(2031, 9, 30), 1) == (date(2031, 10, 1), True)
    admin = staff(client, "admin")
    assert _put(client, 2026, [], admin).status_code == 200
    assert _put(client, 2031, OCTOBER_2031, admin).status_code == 200
    after = load_calendar(Session())
    assert after.is_working_day(date(2026, 10, 1)) and after.is_covered(date(2026, 10, 1))
    assert after.add_working_days(date(2031, 9, 30), 1) == (date(2031, 10, 3), False)
    seed_calendar()
    assert client.get("/api/v1/calendar/2026").json["days"] == []
    replaced = Session().scalars(select(AdminEvent).where(AdminEvent.subject == "2026")).one()
    assert replaced.data["replaced_source"] == LIBRARY_SOURCE


def test_what_is_read_can_be_written_back(client, calendar_restored):
    seeded = client.get("/api/v1/calendar/2025").json
    response = _put(client, 2025, seeded["days"], staff(client, "admin"))
    assert response.status_code == 200, response.json
    assert response.json["days"] == seeded["days"] and response.json["source"] == "admin"


def test_only_an_admin_writes_and_only_with_a_token(client):
    clerk = staff(client, "window_clerk", window="W01")
    forbidden = _put(client, 2031, OCTOBER_2031, clerk)
    assert forbidden.status_code == 403 and forbidden.json["code"] == 403
    anonymous = client.put("/api/v1/calendar/2031", json={"days": OCTOBER_2031})
    assert anonymous.status_code == 401 and anonymous.json["code"] == 401
    assert client.get("/api/v1/calendar/2031").json["covered"] is False
    assert Session().scalars(select(AdminEvent)).all() == []


@pytest.mark.parametrize(
    ("days", "field"),
    [
        ([{"date": "2031-01-01", "working": False}] * 2, "days.1.date"),
        ([{"date": "2030-12-31", "working": False}], "days.0.date"),
        ([{"date": "2031-13-01", "working": False}], "days.0.date"),
        (
            [{"date": "2031-10-01", "working": False}, {"date": "2031-10-03", "working": True}],
            "days.1.working",
        ),
        ([{"date": "2031-10-04", "working": False}], "days.0.working"),
        ([{"date": "2031-10-01"}], "days.0.working"),
        ([{"date": "2031-10-01", "working": False, "note": "节" * 101}], "days.0.note"),
        ([{"date": "2031-10-01", "working": False, "other": 1}], "days.0.other"),
    ],
)
def test_invalid_days_are_named_by_field(client, days, field):
    response = _put(client, 2031, days, staff(client, "admin"))
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert client.get("/api/v1/calendar/2031").json["covered"] is False


def test_a_body_without_days_is_refused(client):
    response = client.put("/api/v1/calendar/2031", json={}, headers=auth(staff(client, "admin")))
    assert response.status_code == 422 and "days" in response.json["errors"]
