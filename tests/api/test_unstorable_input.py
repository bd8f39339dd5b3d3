"""Text no store can keep (NUL, unpaired surrogates) and ids past the columns' range: a 4xx naming
where it was, never a 500, nothing stored. Each case here was once a 500 found by fuzzing."""

import json

import pytest
from sqlalchemy import func, select

from tests.factories import (
    PASSWORD,
    auth,
    id_number,
    register,
    run_precheck,
    staff,
    submit_ready,
    valid_form,
)
from workflow.db import Session
from workflow.models import Application, User


def _raw_post(client, path, text_body, token=None):
    headers = auth(token) if token else {}
    return client.post(path, data=text_body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800", "\\udfff x"])
def test_login_and_register_refuse_it(client, bad):
    login = _raw_post(client, "/api/v1/auth/login", f'{{"username": "a{bad}", "password": "x"}}')
    assert login.status_code == 422 and "username" in login.json["errors"]
    body = json.dumps({"phone": "13900000555", "password": PASSWORD, "id_number": id_number(555)})
    register = _raw_post(client, "/api/v1/auth/register", body[:-1] + f', "name": "x{bad}"}}')
    assert register.status_code == 422 and "name" in register.json["errors"]
    assert Session().scalar(select(func.count()).select_from(User)) == 0


def test_a_form_field_with_it_is_refused_by_name_and_nothing_is_stored(client):
    token, _ = register(client)
    form = valid_form(client.get("/api/v1/policies/transport").json)
    body = json.dumps({"policy_code": "transport", "window_code": "W01", "form": form})
    body = body.replace('"employer_name": "', '"employer_name": "\\ud800')
    response = _raw_post(client, "/api/v1/applications", body, token)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["form.employer_name"]
    assert Session().scalar(select(func.count()).select_from(Application)) == 0
    unknown_key = json.dumps({"policy_code": "transport", "window_code": "W01", "form": {}})
    response = _raw_post(
        client, "/api/v1/applications", unknown_key.replace("{}", '{"\\udc00": 1}'), token
    )
    assert response.status_code == 422 and list(response.json["errors"]) == ["form"]
    assert client.get("/api/v1/applications", headers=auth(token)).status_code == 200


def test_an_action_comment_or_item_with_it_is_refused(client):
    applicant, _ = register(client)
    case_id = submit_ready(client, applicant, "transport", "W01").json["id"]
    run_precheck()
    clerk = staff(client, "window_clerk", window="W01")
    path = f"/api/v1/applications/{case_id}/actions"
    comment = _raw_post(client, path, '{"action": "not_accept", "comment": "no\\u0000"}', clerk)
    assert comment.status_code == 422 and "comment" in comment.json["errors"]
    item = '{"action": "request_correction", "items": [{"message_en": "\\ud800"}]}'
    response = _raw_post(client, path, item, clerk)
    assert response.status_code == 422 and "items.0.message_en" in response.json["errors"]
    assert client.get(f"/api/v1/applications/{case_id}", headers=auth(clerk)).json["status"] == (
        "at_window"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/policies/a%00b",
        "/api/v1/applications?policy_code=%00",
        "/api/v1/notifications?cursor=%00",
    ],
)
def test_nul_in_the_address_is_refused(client, path):
    token, _ = register(client)
    response = client.get(path, headers=auth(token))
    assert response.status_code == 422 and response.json["code"] == 422


@pytest.mark.parametrize("resource", ["applications", "notifications"])
@pytest.mark.parametrize("cursor", ["aWQ6MjE0NzQ4MzY0OA", "aWQ6OTIyMzM3MjAzNjg1NDc3NTgwOA"])
def test_cursors_past_the_id_range_are_refused(client, resource, cursor):
    token, _ = register(client)
    response = client.get(
        f"/api/v1/{resource}", headers=auth(token), query_string={"cursor": cursor}
    )
    assert response.status_code == 422 and "cursor" in response.json["errors"]


def test_an_id_past_the_range_is_404(client):
    token, _ = register(client)
    response = client.get("/api/v1/applications/4421946783973673720086528", headers=auth(token))
    assert response.status_code == 404 and response.json["code"] == 404
