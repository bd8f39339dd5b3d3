"""Deadlines counted in working days from acceptance, paused and extended, and the minute sweep
that warns, escalates and expires: each change once, however many sweeps run at once."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import (
    act,
    auth,
    inbox,
    register,
    routed_case,
    run_dispatch,
    run_precheck,
    staff,
    submit_ready,
    user_id,
    valid_form,  # fmt: skip
)
from workflow.db import Session
from workflow.deadlines import local_today
from workflow.models import Alert, Event, Notification
from workflow.repositories.calendar import load_calendar
from workflow.services import sweeps
from workflow.services.sweeps import sweep_deadlines


def accepted(client, policy_code="transport", window="W03"):
    applicant, case_id = routed_case(client, policy_code, window)
    clerk = staff(client, "window_clerk", window=window)
    response = act(client, clerk, case_id, "accept")
    assert response.status_code == 200, response.json
    return applicant, clerk, case_id, response.json


def working_days_after(start: date, days: int) -> date:
    calendar = load_calendar(Session())
    Session.remove()
    return calendar.add_working_days(start, days).date


def sweep(today: date) -> dict:
    counts = sweep_deadlines(today)
    Session.remove()
    return counts


def events_of(case_id: int, action: str) -> int:
    count = Session().scalar(
        select(func.count()).where(Event.application_id == case_id, Event.action == action)
    )
    Session.remove()
    return count


def test_acceptance_starts_the_clock_the_next_working_day(client):
    policy = client.get("/api/v1/policies/transport").json
    _, _, _, case = accepted(client)
    today = local_today()
    assert case["accepted_on"] == today.isoformat()
    assert (
        case["due_date"] == working_days_after(today, policy["promised_working_days"]).isoformat()
    )
    assert case["statutory_due_date"] == (
        working_days_after(today, policy["statutory_working_days"]).isoformat()
    )
    assert case["sla_status"] == "green" and case["due_date_provisional"] is False
    [step] = case["steps"]
    stage_days = policy["route"][0]["working_days"]
    assert step["due_date"] == working_days_after(today, stage_days).isoformat()
    assert case["current_step_due_date"] == step["due_date"]


def test_a_suspension_pauses_the_clock_and_resuming_moves_the_deadline(client):
    _, _, case_id, case = accepted(client)
    reviewer = staff(client, "reviewer", department="transport")
    restart = (local_today() + timedelta(days=10)).isoformat()
    suspended = act(client, reviewer, case_id, "suspend", comment="等待公安核查", date=restart)
    assert suspended.status_code == 200, suspended.json
    assert suspended.json["status"] == "suspended"
    [pause] = suspended.json["pauses"]
    assert pause["kind"] == "suspend" and pause["ended_on"] is None
    resumed = act(client, reviewer, case_id, "resume").json
    assert resumed["status"] == "in_review" and resumed["pauses"][0]["ended_on"]
    # Paused and resumed the same day: no working day was excluded.
    assert resumed["due_date"] == case["due_date"]


def test_an_extension_moves_the_dates_and_tells_the_applicant(client):
    applicant, _, case_id, case = accepted(client)
    office = staff(client, "talent_office", department="talent_office")
    missing = act(client, office, case_id, "extend", comment="材料需补充核实")
    assert missing.status_code == 422 and "days" in missing.json["errors"]
    extended = act(client, office, case_id, "extend", comment="材料需补充核实", days=5).json
    assert (
        extended["due_date"]
        == working_days_after(date.fromisoformat(case["due_date"]), 5).isoformat()
    )
    assert inbox(client, applicant)[0]["kind"] == "deadline_extended"


def test_yellow_then_red_each_notify_once(client):
    _, _, case_id, case = accepted(client)
    reviewer = staff(client, "reviewer", department="transport")
    assert act(client, reviewer, case_id, "claim").status_code == 200
    head = staff(client, "reviewer", department="transport", head=True)
    office = staff(client, "talent_office", department="talent_office")
    window = staff(client, "window_clerk", window="W03")
    due = date.fromisoformat(case["due_date"])

    assert sweep(due - timedelta(days=30))["yellow"] == 0
    yellow_day = due  # on the due date at the latest, 2 working days or fewer are left
    assert sweep(yellow_day)["yellow"] == 1
    assert sweep(yellow_day) == dict.fromkeys(sweep(yellow_day), 0)
    kinds = lambda token: [n["kind"] for n in inbox(client, token)]  # noqa: E731
    assert "deadline_yellow" in kinds(reviewer) and "deadline_yellow" in kinds(window)
    assert act(client, reviewer, case_id, "claim").status_code == 200  # still theirs: no-op claim

    assert sweep(due + timedelta(days=1))["red"] == 1
    assert sweep(due + timedelta(days=2))["red"] == 0
    assert kinds(head).count("deadline_red") == 1 and "deadline_red" in kinds(office)
    assert "deadline_red" not in kinds(reviewer)
    assert (events_of(case_id, "warn"), events_of(case_id, "escalate")) == (1, 1)
    shown = client.get(f"/api/v1/applications/{case_id}", headers=auth(office)).json
    assert shown["sla_status"] == "red"


def test_two_sweeps_at_once_claim_each_due_case_once(client):
    cases = [accepted(client, window=f"W{n:02d}")[2] for n in range(1, 9)]
    far = local_today() + timedelta(days=400)
    results = []
    threads = [threading.Thread(target=lambda: results.append(sweep(far))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["red"] for r in results) == len(cases)
    assert [events_of(case_id, "escalate") for case_id in cases] == [1] * len(cases)


def test_an_unanswered_correction_notice_expires_the_case(client):
    applicant, _ = register(client)
    case_id = submit_ready(client, applicant, "transport", "W03").json["id"]
    run_precheck()
    clerk = staff(client, "window_clerk", window="W03")
    answer_by = local_today() + timedelta(days=7)
    notice = act(
        client, clerk, case_id, "request_correction", documents=["id_photo"],
        date=answer_by.isoformat(),
    )  # fmt: skip
    assert notice.status_code == 200, notice.json
    assert notice.json["correction_due"] == answer_by.isoformat()
    assert [i["code"] for i in notice.json["correction_items"]] == ["document_missing:id_photo"]
    assert sweep(answer_by)["expired_corrections"] == 0
    assert sweep(answer_by + timedelta(days=1))["expired_corrections"] == 1
    shown = client.get(f"/api/v1/applications/{case_id}", headers=auth(applicant)).json
    assert shown["status"] == "expired"


def _correction_due_on(client, answer_by: date) -> tuple[str, int]:
    applicant, case_id = routed_case(client)
    clerk = staff(client, "window_clerk", window="W03")
    notice = act(
        client, clerk, case_id, "request_correction", documents=["id_photo"],
        date=answer_by.isoformat(),
    )  # fmt: skip
    assert notice.status_code == 200, notice.json
    return applicant, case_id


def test_an_applicant_is_reminded_once_before_a_correction_falls_due(client):
    today = local_today()
    answer_by = working_days_after(today, 5)
    applicant, case_id = _correction_due_on(client, answer_by)
    assert sweep(today)["reminders"] == 0  # five working days left: not yet
    two_left = working_days_after(today, 3)
    assert sweep(two_left)["reminders"] == 1
    assert sweep(two_left)["reminders"] == 0
    assert sweep(answer_by)["reminders"] == 0  # still once, on the last day too
    reminders = [n for n in inbox(client, applicant) if n["kind"] == "correction_due_soon"]
    assert len(reminders) == 1 and answer_by.isoformat() in reminders[0]["body"]["text"]
    assert events_of(case_id, "remind") == 1
    shown = client.get(f"/api/v1/applications/{case_id}", headers=auth(applicant)).json
    assert shown["status"] == "correction_requested"


def test_a_notice_already_near_its_date_is_its_own_reminder(client):
    today = local_today()
    _, case_id = _correction_due_on(client, working_days_after(today, 1))
    assert sweep(today)["reminders"] == 0
    assert events_of(case_id, "remind") == 0


def routed_household_case(client):
    applicant, case_id = routed_case(client, "household_registration", "W01")
    return applicant, case_id, staff(client, "window_clerk", window="W01")


def test_a_broken_pledge_expires_a_provisionally_accepted_case(client):
    applicant, case_id, clerk = routed_household_case(client)
    required = act(
        client, clerk, case_id, "accept_provisional", documents=["identity_card"],
        date=(local_today() + timedelta(days=1)).isoformat(),
    )  # fmt: skip
    assert required.status_code == 422 and "documents" in required.json["errors"]
    too_late = act(
        client, clerk, case_id, "accept_provisional", documents=["household_register"],
        date=(local_today() + timedelta(days=90)).isoformat(),
    )  # fmt: skip
    assert too_late.status_code == 422 and "date" in too_late.json["errors"]
    pledge = working_days_after(local_today(), 1)
    accepted_case = act(
        client, clerk, case_id, "accept_provisional", documents=["household_register"],
        date=pledge.isoformat(),
    ).json  # fmt: skip
    assert (
        accepted_case["status"] == "in_review" and accepted_case["pledge_due"] == pledge.isoformat()
    )
    assert sweep(pledge + timedelta(days=1))["expired_pledges"] == 1
    assert (
        client.get(f"/api/v1/applications/{case_id}", headers=auth(applicant)).json["status"]
        == "expired"
    )


def test_a_pledge_is_reminded_of_once_and_not_once_kept(client):
    applicant, case_id, clerk = routed_household_case(client)
    today = local_today()
    pledge = working_days_after(today, 3)  # the latest the promised date allows here
    accepted_case = act(
        client, clerk, case_id, "accept_provisional", documents=["household_register"],
        date=pledge.isoformat(),
    ).json  # fmt: skip
    assert accepted_case["pledge_due"] == pledge.isoformat()
    assert sweep(today)["reminders"] == 0
    two_left = working_days_after(today, 1)
    assert sweep(two_left)["reminders"] == 1 and sweep(two_left)["reminders"] == 0
    kinds = [n["kind"] for n in inbox(client, applicant)]
    assert kinds.count("pledge_due_soon") == 1

    _, other_id, _ = routed_household_case(client)
    act(
        client, clerk, other_id, "accept_provisional", documents=["household_register"],
        date=pledge.isoformat(),
    )  # fmt: skip
    assert act(client, clerk, other_id, "fulfil_pledge").status_code == 200
    assert sweep(two_left)["reminders"] == 0  # a kept pledge needs no reminder
    assert events_of(other_id, "remind") == 0


def test_a_kept_pledge_is_not_expired(client):
    _, case_id, clerk = routed_household_case(client)
    pledge = working_days_after(local_today(), 1)
    act(
        client, clerk, case_id, "accept_provisional", documents=["household_register"],
        date=pledge.isoformat(),
    )  # fmt: skip
    kept = act(client, clerk, case_id, "fulfil_pledge")
    assert kept.status_code == 200 and kept.json["pledge_due"] is None
    assert sweep(pledge + timedelta(days=1))["expired_pledges"] == 0


@pytest.fixture
def next_year_uncovered(client):
    """The calendar as the library leaves it: next year not loaded yet."""
    year = local_today().year + 1
    admin = staff(client, "admin")
    shown = client.get(f"/api/v1/calendar/{year}").json
    assert not shown["covered"], "the test needs next year uncovered"
    return year, admin


def test_a_deadline_in_an_uncovered_year_is_provisional_alerts_once_and_is_recomputed(
    client, next_year_uncovered
):
    year, admin = next_year_uncovered
    _, _, case_id, case = accepted(client, policy_code="professional_title")
    statutory = date.fromisoformat(case["statutory_due_date"])
    if statutory.year < year:
        pytest.skip("this policy's deadlines do not reach next year from today")
    assert case["due_date_provisional"] is True
    today = local_today()
    assert sweep(today)["alerts"] == 1
    assert sweep(today)["alerts"] == 0
    alerts = Session().scalars(select(Alert.subject)).all()
    Session.remove()
    assert alerts == [str(year)]
    shown_alerts = client.get("/api/v1/admin/alerts", headers=auth(admin)).json["items"]
    assert [a["kind"] for a in shown_alerts] == ["calendar_year_missing"]
    # Loading the year recomputes the deadline with its holidays.
    holiday = {"date": f"{year}-01-04", "working": False, "note": "测试假日"}
    if date(year, 1, 4).weekday() >= 5:
        holiday["date"] = f"{year}-01-05" if date(year, 1, 5).weekday() < 5 else f"{year}-01-06"
    loaded = client.put(f"/api/v1/calendar/{year}", headers=auth(admin), json={"days": [holiday]})
    assert loaded.status_code == 200, loaded.json
    shown = client.get(f"/api/v1/applications/{case_id}", headers=auth(admin)).json
    assert shown["due_date_provisional"] is False
    assert (
        shown["statutory_due_date"]
        == working_days_after(
            today, client.get("/api/v1/policies/professional_title").json["statutory_working_days"]
        ).isoformat()
    )
    assert date.fromisoformat(shown["statutory_due_date"]) > statutory


def test_a_notification_goes_to_the_claimer_only_once_per_level(client):
    _, _, case_id, case = accepted(client)
    reviewer = staff(client, "reviewer", department="transport")
    act(client, reviewer, case_id, "claim")
    due = date.fromisoformat(case["due_date"])
    sweep(due)
    sweep(due)
    run_dispatch()
    count = Session().scalar(
        select(func.count()).where(
            Notification.kind == "deadline_yellow",
            Notification.recipient == str(user_id(reviewer)),
        )
    )
    Session.remove()
    assert count == 1


def test_a_case_the_sweep_fails_on_does_not_stop_the_others(client, monkeypatch):
    bad, good = (accepted(client, window=f"W0{n}")[2] for n in (1, 2))
    real_apply = sweeps.apply

    def apply_unless_bad(session, case, *args, **kwargs):
        if case.id == bad:
            raise ValueError("a fault in this case's data")
        return real_apply(session, case, *args, **kwargs)

    monkeypatch.setattr(sweeps, "apply", apply_unless_bad)
    late = local_today() + timedelta(days=400)
    assert sweep(late)["red"] == 1
    assert (events_of(bad, "escalate"), events_of(good, "escalate")) == (0, 1)
    monkeypatch.setattr(sweeps, "apply", real_apply)
    assert sweep(late)["red"] == 1  # found again, once mended
    assert events_of(bad, "escalate") == 1


def test_a_draft_left_untouched_expires_and_its_applicant_is_told(client):
    applicant, _ = register(client)
    form = valid_form(client.get("/api/v1/policies/transport").json)
    body = {"policy_code": "transport", "window_code": "W01", "form": form, "draft": True}
    draft = client.post("/api/v1/applications", headers=auth(applicant), json=body).json
    today = local_today()
    assert sweep(today + timedelta(days=90))["expired_drafts"] == 0  # 90 whole days not yet over
    assert sweep(today + timedelta(days=91))["expired_drafts"] == 1
    assert sweep(today + timedelta(days=92))["expired_drafts"] == 0  # once
    shown = client.get(f"/api/v1/applications/{draft['id']}", headers=auth(applicant)).json
    assert shown["status"] == "expired"
    assert [n["kind"] for n in inbox(client, applicant)] == ["draft_expired"]
