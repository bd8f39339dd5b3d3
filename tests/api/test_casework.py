"""A case from submission to decision, with the worker's pre-check run in-process."""

import pytest
from sqlalchemy import select

from config.queues import TaskNames
from tests.factories import (
    act,
    auth,
    inbox,
    register,
    required_documents,
    run_dispatch,
    run_precheck,
    staff,
    submit,
    submit_ready,
    valid_form,
)
from workflow.audit import first_break
from workflow.db import Session
from workflow.models import Application, Event, Notification, OutboxMessage, User
from workflow.notifications import ACCOUNT_NOTICES
from workflow.services.precheck import precheck_cases


def _act(client, token, case_id, action, **body):
    return act(client, token, case_id, action, **body)


def _case(client, token, case_id):
    return client.get(f"/api/v1/applications/{case_id}", headers=auth(token))


def _notifications(client, token):
    return inbox(client, token)


@pytest.fixture
def routed(client):
    """An applicant's transport case routed to W03, and the W03 clerk."""
    applicant, _ = register(client)
    case_id = submit_ready(client, applicant, "transport", "W03").json["id"]
    assert run_precheck() == {"routed": 1, "returned": 0, "failed": 0, "already_done": 0}
    return applicant, case_id, staff(client, "window_clerk", window="W03")


def test_precheck_routes_to_the_window_and_tells_window_and_applicant(client, routed):
    applicant, case_id, clerk = routed
    assert _case(client, applicant, case_id).json["status"] == "at_window"
    [window_note] = _notifications(client, clerk)
    assert window_note["kind"] == "case_arrived" and window_note["application_id"] == case_id
    assert window_note["body"]["reference"] and "id_number" not in str(window_note["body"])
    assert window_note["status"] == "delivered" and window_note["created_at"]
    [applicant_note] = _notifications(client, applicant)
    assert applicant_note["kind"] == "case_routed"
    other_clerk = staff(client, "window_clerk", window="W04")
    assert _notifications(client, other_clerk) == []


def test_precheck_run_twice_changes_nothing_the_second_time(client, routed):
    ids = list(Session().scalars(select(Event.id)))
    outbox_ids = list(
        Session().scalars(
            select(OutboxMessage.id).where(OutboxMessage.task == TaskNames.PRECHECK_APPLICATIONS)
        )
    )
    Session.remove()
    assert precheck_cases(outbox_ids) == {
        "routed": 0,
        "returned": 0,
        "failed": 0,
        "already_done": 1,
    }
    Session.remove()
    assert list(Session().scalars(select(Event.id))) == ids
    run_dispatch()
    run_dispatch()
    notices = select(Notification).where(Notification.kind.not_in(ACCOUNT_NOTICES))
    assert len(Session().scalars(notices).all()) == 2


def test_failing_conditions_are_all_listed_at_once(client):
    applicant, _ = register(client)
    policy = client.get("/api/v1/policies/household_registration").json
    form = valid_form(policy)
    form["degree"] = "junior_college"
    case_id = submit_ready(client, applicant, "household_registration", "W01", form).json["id"]
    # The applicant's stored identity number has gone bad (say, a faulty import): that is listed
    # too, and so is every rule that needs the age it no longer yields.
    session = Session()
    session.get(
        User, session.get(Application, case_id).applicant_id
    ).id_number = "110105194912310021"
    session.commit()
    run_precheck()
    case = _case(client, applicant, case_id).json
    assert case["status"] == "correction_requested"
    age_rules = {r["code"] for r in policy["eligibility_rules"] if r["field"] == "applicant.age"}
    assert age_rules
    assert {item["code"] for item in case["correction_items"]} == {
        "degree_at_least_bachelor",
        "id_number_invalid",
        *age_rules,
    }
    [note] = _notifications(client, applicant)
    assert (
        note["kind"] == "correction_requested" and note["body"]["items"] == case["correction_items"]
    )


def test_a_second_open_case_for_the_same_policy_is_sent_back(client):
    applicant, _ = register(client)
    first = submit_ready(client, applicant, "transport", "W01").json["id"]
    second = submit_ready(client, applicant, "transport", "W02").json["id"]
    assert run_precheck()["routed"] == 1
    assert _case(client, applicant, first).json["status"] == "at_window"
    sent_back = _case(client, applicant, second).json
    assert sent_back["status"] == "correction_requested"
    assert [i["code"] for i in sent_back["correction_items"]] == ["open_case_exists"]


def test_accept_then_review_then_approve(client, routed):
    applicant, case_id, clerk = routed
    accepted = _act(client, clerk, case_id, "accept", comment="材料齐全")
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "in_review"
    assert [(s["department_code"], s["status"]) for s in accepted.json["steps"]] == [
        ("transport", "open")
    ]
    reviewer = staff(client, "reviewer", department="transport")
    assert [n["kind"] for n in _notifications(client, reviewer)] == ["review_assigned"]
    approved = _act(client, reviewer, case_id, "approve_step", comment="同意")
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    events = client.get(f"/api/v1/applications/{case_id}/events", headers=auth(applicant)).json
    uploads = len(required_documents(client, "transport"))
    assert [e["action"] for e in events] == [
        "save_draft", *["add_document"] * uploads, "submit",
        "route", "accept", "open_review", "approve_step", "approve",
    ]  # fmt: skip
    assert [e["actor_role"] for e in events] == [
        *["applicant"] * (uploads + 2), "system", "window_clerk", "system", "reviewer", "system",
    ]  # fmt: skip
    stored = Session().scalars(
        select(Event).where(Event.application_id == case_id).order_by(Event.seq)
    )
    assert first_break(Session().get(Application, case_id), list(stored)) is None


def test_review_steps_run_in_order_and_each_department_decides_once(client):
    applicant, _ = register(client)
    policy = client.get("/api/v1/policies/housing").json
    case_id = submit_ready(client, applicant, "housing", "W01", valid_form(policy)).json["id"]
    run_precheck()
    clerk = staff(client, "window_clerk", window="W01")
    assert _act(client, clerk, case_id, "accept").status_code == 200
    departments = [d for stage in policy["route"] for d in stage["departments"]]
    assert len(policy["route"]) > 1
    reviewers = {d: staff(client, "reviewer", department=d) for d in departments}
    # A later department cannot see the case before its step opens.
    assert (
        _case(client, reviewers[policy["route"][1]["departments"][0]], case_id).status_code == 404
    )
    for index, stage in enumerate(policy["route"]):
        for signed, department in enumerate(stage["departments"], start=1):
            response = _act(client, reviewers[department], case_id, "approve_step")
            assert response.status_code == 200, response.json
            last = index == len(policy["route"]) - 1 and (
                stage["sign"] != "all" or signed == len(stage["departments"])
            )
            assert response.json["status"] == ("approved" if last else "in_review")
            again = _act(client, reviewers[department], case_id, "approve_step")
            assert again.status_code == 409 and again.json["code"] == 409
            if stage["sign"] == "any":
                break  # 或签: one signature completes the stage


def test_reject_needs_a_reason(client, routed):
    applicant, case_id, clerk = routed
    _act(client, clerk, case_id, "accept")
    reviewer = staff(client, "reviewer", department="transport")
    missing = _act(client, reviewer, case_id, "reject")
    assert missing.status_code == 422 and "comment" in missing.json["errors"]
    assert _case(client, applicant, case_id).json["status"] == "in_review"
    rejected = _act(client, reviewer, case_id, "reject", comment="不符合条件")
    assert rejected.json["status"] == "rejected"
    assert _act(client, applicant, case_id, "withdraw").status_code == 409


def test_correction_then_resubmission_goes_through_the_precheck_again(client, routed):
    applicant, case_id, clerk = routed
    no_items = _act(client, clerk, case_id, "request_correction")
    assert no_items.status_code == 422 and "items" in no_items.json["errors"], no_items.json
    items = [
        {"code": "photo", "field": "documents", "message_zh": "请补交照片", "message_en": "Photo"}
    ]
    returned = _act(client, clerk, case_id, "request_correction", items=items)
    assert returned.json["status"] == "correction_requested"
    assert returned.json["correction_items"] == items
    form = valid_form(client.get("/api/v1/policies/transport").json)
    bad = _act(client, applicant, case_id, "resubmit", form={**form, "talent_tier": "Z"})
    assert bad.status_code == 422 and "talent_tier" in bad.json["errors"]["form"]
    assert _case(client, applicant, case_id).json["status"] == "correction_requested"
    resubmitted = _act(client, applicant, case_id, "resubmit", form=form)
    assert resubmitted.json["status"] == "submitted" and resubmitted.json["correction_items"] == []
    run_precheck()
    assert _case(client, applicant, case_id).json["status"] == "at_window"


def test_not_accept_needs_a_reason_and_ends_the_case(client, routed):
    applicant, case_id, clerk = routed
    assert _act(client, clerk, case_id, "not_accept").status_code == 422
    refused = _act(
        client, clerk, case_id, "not_accept", comment="非本窗口事项", refer_to="区公安分局户政窗口"
    )
    assert refused.json["status"] == "not_accepted"
    again = _act(client, clerk, case_id, "accept")
    assert again.status_code == 409 and "not_accepted" in again.json["message"]


def test_actions_invalid_for_the_state_are_409_and_roles_that_never_may_are_403(client, routed):
    applicant, case_id, clerk = routed
    assert _act(client, clerk, case_id, "approve_step").status_code == 403
    assert _act(client, applicant, case_id, "accept").status_code == 403
    assert _act(client, applicant, case_id, "resubmit", form={}).status_code == 409
    unknown = _act(client, clerk, case_id, "route")
    assert unknown.status_code == 422 and "action" in unknown.json["errors"]


def test_other_windows_and_other_applicants_get_404(client, routed):
    applicant, case_id, clerk = routed
    stranger, _ = register(client)
    other_clerk = staff(client, "window_clerk", window="W04")
    for token in (stranger, other_clerk):
        assert _case(client, token, case_id).status_code == 404
        assert _act(client, token, case_id, "withdraw").status_code == 404
        events = client.get(f"/api/v1/applications/{case_id}/events", headers=auth(token))
        assert events.status_code == 404
    assert _act(client, other_clerk, case_id, "accept").status_code == 404
    assert _case(client, clerk, case_id).status_code == 200


def test_withdraw_by_the_applicant_tells_the_window(client, routed):
    applicant, case_id, clerk = routed
    assert _act(client, applicant, case_id, "withdraw").json["status"] == "withdrawn"
    assert _notifications(client, clerk)[0]["kind"] == "case_withdrawn"


def test_a_stale_if_match_is_412_and_a_current_one_passes(client, routed):
    applicant, case_id, clerk = routed
    etag = _case(client, clerk, case_id).headers["ETag"]
    stale = client.post(
        f"/api/v1/applications/{case_id}/actions",
        headers={**auth(clerk), "If-Match": '"1"'},
        json={"action": "accept"},
    )
    assert stale.status_code == 412 and stale.json["code"] == 412
    fresh = client.post(
        f"/api/v1/applications/{case_id}/actions",
        headers={**auth(clerk), "If-Match": etag},
        json={"action": "accept"},
    )
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag


def test_lists_are_scoped_and_paginated_by_cursor(client):
    applicant, _ = register(client)
    other, _ = register(client)
    policies = client.get("/api/v1/policies").json
    mine = [
        submit(client, applicant, p["code"], "W06", valid_form(p)).json["id"] for p in policies[:5]
    ]
    submit(client, other, "transport", "W07")
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/applications", headers=auth(applicant), query_string=query).json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(mine, reverse=True)
    clerk = staff(client, "window_clerk", window="W07")
    listed = client.get("/api/v1/applications", headers=auth(clerk)).json["items"]
    assert [item["window_code"] for item in listed] == ["W07"]
    office = staff(client, "talent_office", department="talent_office")
    assert len(client.get("/api/v1/applications", headers=auth(office)).json["items"]) == 6
    filtered = client.get(
        "/api/v1/applications", headers=auth(applicant), query_string={"policy_code": "housing"}
    ).json["items"]
    assert all(item["policy_code"] == "housing" for item in filtered)


@pytest.mark.parametrize(
    "query, field",
    [({"cursor": "!!"}, "cursor"), ({"limit": 0}, "limit"), ({"status": "x"}, "status")],
)
def test_bad_list_arguments_are_422(client, query, field):
    applicant, _ = register(client)
    response = client.get("/api/v1/applications", headers=auth(applicant), query_string=query)
    assert response.status_code == 422 and field in response.json["errors"]


def test_a_granted_benefit_is_not_granted_twice(client, routed):
    applicant, case_id, clerk = routed
    _act(client, clerk, case_id, "accept")
    reviewer = staff(client, "reviewer", department="transport")
    assert _act(client, reviewer, case_id, "approve_step").json["status"] == "approved"
    again = submit_ready(client, applicant, "transport", "W03").json["id"]
    run_precheck()
    sent_back = _case(client, applicant, again).json
    assert sent_back["status"] == "correction_requested"
    assert [i["code"] for i in sent_back["correction_items"]] == ["open_case_exists"]


def test_a_window_notice_also_lists_every_condition_the_case_fails(client, routed):
    applicant, case_id, clerk = routed
    policy = client.get("/api/v1/policies/transport").json
    rule = next(r for r in policy["eligibility_rules"] if r["field"].startswith("form."))
    session = Session()
    case = session.get(Application, case_id)
    case.form = {**case.form, rule["field"].removeprefix("form."): None}  # as a faulty import
    session.commit()
    Session.remove()
    notice = _act(client, clerk, case_id, "request_correction", documents=["id_photo"])
    assert notice.status_code == 200, notice.json
    assert [item["code"] for item in notice.json["correction_items"]] == [
        rule["code"], "document_missing:id_photo",
    ]  # fmt: skip
