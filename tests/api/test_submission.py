"""Submitting a case: stored with its audit event and outbox row, or refused with nothing stored."""

import re

import pytest
from sqlalchemy import func, select

from tests.factories import auth, register, staff, submit, valid_form
from workflow.db import Session
from workflow.models import Application, Event, OutboxMessage


def _count(model) -> int:
    return Session().scalar(select(func.count()).select_from(model))


def test_a_valid_application_is_stored_as_submitted_with_event_and_outbox_row(client):
    token, user_id = register(client)
    response = submit(client, token, "transport", "W05")
    assert response.status_code == 201, response.json
    case = response.json
    assert case["status"] == "submitted" and case["window_code"] == "W05"
    assert case["applicant_id"] == user_id and case["version"] == 1
    assert re.fullmatch(r"YH-\d{8}-[0-9A-HJKMNP-TV-Z]{8}", case["reference"])
    assert response.headers["ETag"] == '"1"'
    events = Session().scalars(select(Event).where(Event.application_id == case["id"])).all()
    assert [(e.action, e.to_status, e.actor_id) for e in events] == [
        ("submit", "submitted", user_id)
    ]
    outbox = Session().scalars(select(OutboxMessage)).all()
    assert [(m.task, m.payload) for m in outbox] == [
        ("applications.precheck", {"application_id": case["id"]})
    ]


def test_every_policy_accepts_its_own_valid_form(client):
    token, _ = register(client)
    for policy in client.get("/api/v1/policies").json:
        response = submit(client, token, policy["code"], "W02", valid_form(policy))
        assert response.status_code == 201, (policy["code"], response.json)


BAD_BODIES = [
    ({"policy_code": 5, "window_code": "W01", "form": {}}, "policy_code"),
    ({"policy_code": "transport", "window_code": ["W01"], "form": {}}, "window_code"),
    ({"policy_code": "transport", "window_code": "W01", "form": "x"}, "form"),
    ({"policy_code": "transport", "window_code": "W01"}, "form"),
    (
        {"policy_code": "transport", "window_code": "W01", "form": {}, "status": "approved"},
        "status",
    ),
    ({"policy_code": "nothing", "window_code": "W01", "form": {}}, "policy_code"),
    ({"policy_code": "transport", "window_code": "W24", "form": {}}, "window_code"),
    ({"policy_code": "transport", "window_code": "W01", "form": {"nope": 1}}, "form"),
]


@pytest.mark.parametrize("body, field", BAD_BODIES)
def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(client, body, field):
    token, _ = register(client)
    response = client.post("/api/v1/applications", headers=auth(token), json=body)
    assert response.status_code == 422, response.json
    assert set(response.json) >= {"code", "status", "message", "errors"}
    assert field in response.json["errors"]
    assert _count(Application) == _count(Event) == _count(OutboxMessage) == 0


def test_form_errors_name_each_form_field(client):
    token, _ = register(client)
    form = valid_form(client.get("/api/v1/policies/transport").json)
    form["social_insurance_months"] = "many"
    del form["employer_name"]
    response = submit(client, token, form=form)
    assert response.status_code == 422
    assert set(response.json["errors"]["form"]) == {"social_insurance_months", "employer_name"}


@pytest.mark.parametrize(
    "data, content_type",
    [("{not json", "application/json"), ("[1, 2]", "application/json"), ("", "application/json")],
)
def test_malformed_bodies_are_4xx_in_the_envelope(client, data, content_type):
    token, _ = register(client)
    response = client.post(
        "/api/v1/applications", headers=auth(token), data=data, content_type=content_type
    )
    assert response.status_code in (400, 422)
    assert response.json["code"] == response.status_code and response.json["message"]
    assert _count(Application) == 0


def test_an_oversized_body_is_413(client):
    token, _ = register(client)
    big = {"policy_code": "transport", "window_code": "W01", "form": {"x": "y" * 300_000}}
    response = client.post("/api/v1/applications", headers=auth(token), json=big)
    assert response.status_code == 413 and response.json["code"] == 413


def test_only_applicants_submit(client):
    clerk = staff(client, "window_clerk", window="W01")
    response = submit(client, clerk)
    assert response.status_code == 403 and response.json["code"] == 403
