"""Work queues: claiming, assigning, acting on behalf, the filters and the due-date order, and
two people acting on one case at once."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from tests.conftest import BACKEND
from tests.factories import act, auth, inbox, routed_case, staff, user_id
from tests.plans import plan_of, statements_reading
from workflow.db import Session
from workflow.deadlines import local_today
from workflow.models import Application, PolicyVersion, RectificationTask
from workflow.policies import forget_cached_terms


def listed(client, token, **query) -> list[int]:
    response = client.get("/api/v1/applications", headers=auth(token), query_string=query)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_claim_unclaim_and_assign_at_the_window(client):
    _, case_id = routed_case(client)
    first, second = (staff(client, "window_clerk", window="W03") for _ in range(2))
    office = staff(client, "talent_office", department="talent_office")
    claimed = act(client, first, case_id, "claim")
    assert claimed.status_code == 200 and claimed.json["assignee_id"] == user_id(first)
    taken = act(client, second, case_id, "claim")
    assert taken.status_code == 409
    assert act(client, second, case_id, "unclaim").status_code == 403
    assert listed(client, first, assignee=user_id(first)) == [case_id]
    reassigned = act(client, office, case_id, "assign", assignee_id=user_id(second))
    assert reassigned.status_code == 200 and reassigned.json["assignee_id"] == user_id(second)
    assert inbox(client, second)[0]["kind"] == "assigned"
    elsewhere = staff(client, "window_clerk", window="W04")
    wrong = act(client, office, case_id, "assign", assignee_id=user_id(elsewhere))
    assert wrong.status_code == 422 and "assignee_id" in wrong.json["errors"]
    assert act(client, second, case_id, "unclaim").json["assignee_id"] is None


def test_a_parallel_stage_needs_every_signature_and_return_reopens_an_earlier_step(client):
    _, case_id = routed_case(client, "housing", "W01")
    clerk = staff(client, "window_clerk", window="W01")
    act(client, clerk, case_id, "accept")
    housing = staff(client, "reviewer", department="housing")
    talent = staff(client, "reviewer", department="talent_office")
    finance = staff(client, "reviewer", department="finance")
    assert act(client, housing, case_id, "approve_step").json["status"] == "in_review"
    after_one = act(client, talent, case_id, "approve_step").json
    assert after_one["status"] == "in_review"  # 会签: finance has not signed yet
    assert listed(client, finance, department="finance") == [case_id]
    back = act(client, finance, case_id, "return", comment="面积核算有误", to_step="housing_review")
    assert back.status_code == 200, back.json
    assert [(s["code"], s["status"]) for s in back.json["steps"]] == [
        ("housing_review", "open"), ("joint_review", "pending"), ("joint_review", "pending"),
    ]  # fmt: skip
    forward = act(client, finance, case_id, "return", comment="x", to_step="joint_review")
    assert forward.status_code == 409  # finance's step is no longer open
    act(client, housing, case_id, "approve_step")
    act(client, talent, case_id, "approve_step")
    assert act(client, finance, case_id, "approve_step").json["status"] == "approved"


@pytest.fixture
def second_transport_version():
    """A new version of the route, as re-seeding a changed route writes it; removed afterwards."""
    yield
    session = Session()
    session.execute(
        delete(PolicyVersion).where(
            PolicyVersion.policy_code == "transport", PolicyVersion.version == 2
        )
    )
    session.commit()
    Session.remove()
    forget_cached_terms()


def test_a_case_keeps_the_route_version_it_started_under(client, second_transport_version):
    _, case_id = routed_case(client)
    session = Session()
    session.add(
        PolicyVersion(
            policy_code="transport", version=2, promised_working_days=5,
            statutory_working_days=10, form_fields=[], required_documents=[], eligibility_rules=[],
            route=[{"code": "other", "departments": ["finance"], "sign": "one", "working_days": 2}],
        )
    )  # fmt: skip
    session.commit()
    Session.remove()
    clerk = staff(client, "window_clerk", window="W03")
    accepted = act(client, clerk, case_id, "accept").json
    assert accepted["policy_version"] == 1
    assert [s["department_code"] for s in accepted["steps"]] == ["transport"]


def test_filters_and_the_due_date_order(client):
    clerk = staff(client, "window_clerk", window="W05")
    cases = [routed_case(client, window="W05")[1] for _ in range(3)]
    for case_id in cases:
        act(client, clerk, case_id, "accept")
    # Different deadlines: the second is due soonest, then the third.
    session = Session()
    for case_id, days in zip(cases, (9, 3, 6), strict=True):
        session.execute(
            update(Application)
            .where(Application.id == case_id)
            .values(due_date=local_today() + timedelta(days=days))
        )
    session.execute(update(Application).where(Application.id == cases[1]).values(sla_status="red"))
    session.commit()
    Session.remove()
    _, waiting = routed_case(client, window="W05")
    by_due = listed(client, clerk, sort="due_date", window_code="W05", status="in_review")
    assert by_due == [cases[1], cases[2], cases[0]]
    page = client.get(
        "/api/v1/applications", headers=auth(clerk), query_string={"sort": "due_date", "limit": 2}
    ).json
    rest = listed(client, clerk, sort="due_date", limit=2, cursor=page["next_cursor"])
    assert [i["id"] for i in page["items"]] + rest == by_due
    assert listed(client, clerk, status="at_window") == [waiting]
    assert listed(client, clerk, sla="red") == [cases[1]]
    assert listed(client, clerk, due_before=(local_today() + timedelta(days=6)).isoformat()) == [
        cases[2], cases[1],
    ]  # fmt: skip
    assert listed(client, clerk, department="transport") == cases[::-1]
    bad = client.get("/api/v1/applications", headers=auth(clerk), query_string={"sort": "x"})
    assert bad.status_code == 422 and "sort" in bad.json["errors"]


def test_two_clerks_acting_at_once_one_wins(client):
    _, case_id = routed_case(client)
    clerks = [staff(client, "window_clerk", window="W03") for _ in range(2)]
    etag = client.get(f"/api/v1/applications/{case_id}", headers=auth(clerks[0])).headers["ETag"]
    answers = []

    def accept(token):
        answers.append(
            client.post(
                f"/api/v1/applications/{case_id}/actions",
                headers={**auth(token), "If-Match": etag},
                json={"action": "accept"},
            ).status_code
        )

    threads = [threading.Thread(target=accept, args=(token,)) for token in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 412]


def test_a_clerk_acts_on_behalf_of_the_applicant_and_the_event_records_both(client):
    applicant, case_id = routed_case(client)
    clerk = staff(client, "window_clerk", window="W03")
    on_behalf = act(client, clerk, case_id, "withdraw", on_behalf=True, comment="申请人来电撤回")
    assert on_behalf.status_code == 200 and on_behalf.json["status"] == "withdrawn"
    [event] = client.get(f"/api/v1/applications/{case_id}/events", headers=auth(clerk)).json[-1:]
    assert event["actor_role"] == "window_clerk" and event["actor_id"] == user_id(clerk)
    assert event["on_behalf_of"] == on_behalf.json["applicant_id"]
    other = staff(client, "window_clerk", window="W04")
    assert act(client, other, case_id, "withdraw", on_behalf=True).status_code == 404


def test_a_bad_rating_opens_a_rectification_task_for_the_window(client):
    applicant, case_id = routed_case(client)
    clerk = staff(client, "window_clerk", window="W03")
    reviewer = staff(client, "reviewer", department="transport")
    act(client, clerk, case_id, "accept")
    act(client, reviewer, case_id, "approve_step")
    assert act(client, clerk, case_id, "conclude").json["status"] == "concluded"
    out_of_range = act(client, applicant, case_id, "rate", rating=6)
    assert out_of_range.status_code == 422 and "rating" in out_of_range.json["errors"]
    rated = act(client, applicant, case_id, "rate", rating=2, comment="等待时间太长")
    assert rated.status_code == 200 and rated.json["status"] == "rated"
    assert act(client, applicant, case_id, "rate", rating=5).status_code == 409
    task = Session().query(RectificationTask).one()
    assert (task.window_code, task.rating, task.status) == ("W03", 2, "open")
    assert task.due_date > local_today()
    Session.remove()
    owed = client.get("/api/v1/admin/rectifications", headers=auth(clerk)).json["items"]
    assert [(t["application_id"], t["rating"]) for t in owed] == [(case_id, 2)]
    other = staff(client, "window_clerk", window="W04")
    assert client.get("/api/v1/admin/rectifications", headers=auth(other)).json["items"] == []
    assert client.get("/api/v1/admin/rectifications", headers=auth(applicant)).status_code == 403


def test_a_withdrawn_case_leaves_the_department_queue_and_the_reviewers_list(client):
    applicant, case_id = routed_case(client, window="W05")
    act(client, staff(client, "window_clerk", window="W05"), case_id, "accept")
    reviewer = staff(client, "reviewer", department="transport")
    assert act(client, reviewer, case_id, "claim").status_code == 200
    assert listed(client, reviewer, department="transport") == [case_id]
    assert listed(client, reviewer, assignee=user_id(reviewer)) == [case_id]
    withdrawn = act(client, applicant, case_id, "withdraw")
    assert withdrawn.status_code == 200, withdrawn.json
    assert [s["status"] for s in withdrawn.json["steps"]] == ["skipped"]
    assert listed(client, reviewer, department="transport") == []
    assert listed(client, reviewer, assignee=user_id(reviewer)) == []
    assert listed(client, reviewer) == [case_id]  # still theirs to look at


def test_a_rejection_in_a_joint_stage_ends_the_other_departments_steps(client):
    _, case_id = routed_case(client, "housing", "W01")
    act(client, staff(client, "window_clerk", window="W01"), case_id, "accept")
    act(client, staff(client, "reviewer", department="housing"), case_id, "approve_step")
    talent = staff(client, "reviewer", department="talent_office")
    finance = staff(client, "reviewer", department="finance")
    rejected = act(client, talent, case_id, "reject", comment="不符合条件")
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert {s["department_code"]: s["status"] for s in rejected.json["steps"]} == {
        "housing": "passed", "talent_office": "failed", "finance": "skipped",
    }  # fmt: skip
    assert listed(client, finance, department="finance") == []


# The indexes that hold the cases under review only.
LIVE_INDEXES = (
    "ix_applications_live_due",
    "ix_applications_live_sla_due",
    "ix_applications_window_live_due",
    "ix_applications_window_live_sla",
)


def _page_plan(client, token, **query) -> str:
    with statements_reading("applications") as sent:
        listed(client, token, **query)
    statement, parameters = sent[0]  # the page; then its steps
    return plan_of(statement, parameters)


def _reads_every_case(sqlite_plan: str) -> bool:
    return any(line.startswith("SCAN applications") for line in sqlite_plan.splitlines())


def test_a_department_queue_and_a_persons_cases_read_only_their_own_rows(client):
    """At a million cases these read every case before the indexes of migration 0017."""
    reviewer = staff(client, "reviewer", department="transport")
    by_due = _page_plan(client, reviewer, department="transport", sort="due_date")
    theirs = _page_plan(client, reviewer, assignee=user_id(reviewer))
    assert "ix_applications_assignee" in theirs and "ix_steps_assignee" in theirs
    if BACKEND == "postgres":  # an index of the live cases only; which one is the planner's
        assert any(index in by_due for index in LIVE_INDEXES), by_due
    else:  # SQLite finds the live cases through the status index, then sorts them
        assert not _reads_every_case(by_due), by_due


def test_a_clerks_lists_read_their_own_windows_cases(client):
    """At a million cases these walked every window's cases before migration 0018."""
    clerk = staff(client, "window_clerk", window="W05")
    plans = {
        "ix_applications_window_live_sla": _page_plan(client, clerk, sla="yellow"),
        "ix_applications_window_due": _page_plan(
            client, clerk, policy_code="transport", sort="due_date"
        ),
        "ix_applications_window_live_due": _page_plan(
            client, clerk, department="housing", sort="due_date"
        ),
    }
    for index, plan in plans.items():
        if BACKEND == "postgres":
            assert index in plan, plan
        else:  # SQLite may take another of the window's indexes, but never reads every case
            assert not _reads_every_case(plan), plan


def test_a_list_no_case_can_be_on_is_answered_without_reading_the_cases(client):
    finance = staff(client, "finance")
    for query in ({"status": "in_review"}, {"department": "housing"}, {"sla": "red"}):
        with statements_reading("applications") as sent:
            assert listed(client, finance, **query) == []
        assert sent == [], query  # finance sees granted cases only; these lists are live ones
    clerk = staff(client, "window_clerk", window="W05")
    with statements_reading("applications") as sent:
        assert listed(client, clerk, status="at_window", sla="red") == []
    assert sent == []
