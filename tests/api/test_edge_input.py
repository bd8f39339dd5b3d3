"""Malformed input is a 4xx in the envelope, never a 500: deep JSON, huge numbers, undecodable
headers, and bodies of the wrong type (api/edge_input.py)."""

import json

import pytest
from sqlalchemy import func, select

from api.edge_input import nesting_depth_exceeds
from tests.factories import auth, routed_case, staff
from workflow.db import Session
from workflow.models import User

LOGIN = "/api/v1/auth/login"


def _post_json(client, path, text, headers=None):
    return client.post(path, data=text, content_type="application/json", headers=headers or {})


def _envelope(response, code):
    assert response.status_code == code, response.get_data(as_text=True)[:300]
    assert response.json["code"] == code and isinstance(response.json["message"], str)
    return response.json.get("errors", {})


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_a_thousand_deep_is_400_naming_the_body(client, opening):
    closing = "]" if opening == "[" else "}"
    deep = opening * 1000 + "1" + closing * 1000
    response = _post_json(client, LOGIN, f'{{"username": {deep}, "password": "x"}}')
    assert "_body" in _envelope(response, 400)


def test_json_at_the_depth_limit_still_reaches_the_view(client, settings):
    nested = "[" * (settings.JSON_MAX_DEPTH - 1) + "]" * (settings.JSON_MAX_DEPTH - 1)
    response = _post_json(client, LOGIN, f'{{"username": {nested}, "password": "x"}}')
    assert "username" in _envelope(response, 422)  # the schema's answer, not the edge's


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"comment": "[" * 100 + '\\"' + "{" * 100}).encode()
    assert not nesting_depth_exceeds(text, 32)
    assert nesting_depth_exceeds(b"[" * 33 + b"]" * 33, 32)
    assert not nesting_depth_exceeds(b"[" * 32 + b"]" * 32, 32)


def test_a_number_with_thousands_of_digits_is_400(client):
    response = _post_json(
        client, LOGIN, '{"username": "a", "password": "x", "n": ' + "9" * 5000 + "}"
    )
    assert "_body" in _envelope(response, 400)


def test_malformed_json_is_400_naming_the_body(client):
    assert "_body" in _envelope(_post_json(client, LOGIN, '{"username": '), 400)
    assert "_body" in _envelope(_post_json(client, LOGIN, b'{"username": "\xff"}'), 400)


@pytest.mark.parametrize(
    "content_type, data",
    [
        ("text/plain", '{"username": "a", "password": "x"}'),
        ("application/x-www-form-urlencoded", "username=a&password=x"),
        (
            "multipart/form-data; boundary=b",
            '--b\r\nContent-Disposition: form-data; name="username"\r\n\r\na\r\n--b--\r\n',
        ),
    ],
)
def test_a_json_endpoint_refuses_other_types_with_415(client, content_type, data):
    response = client.post(LOGIN, data=data, content_type=content_type)
    errors = _envelope(response, 415)
    assert "application/json" in response.json["message"] and "_body" in errors


def test_the_415_depends_on_what_the_endpoint_reads(client):
    # No JSON arguments there: the type is not the edge's business (an upload endpoint takes
    # multipart), so the request goes on to routing and the view.
    response = client.post("/healthz", data="x", content_type="text/plain")
    assert response.status_code == 405 and response.json["code"] == 405


def test_registration_by_form_stores_nothing(client):
    response = client.post(
        "/api/v1/auth/register",
        data={"phone": "13900000401", "password": "x" * 10, "name": "王五", "id_number": "x"},
    )
    _envelope(response, 415)
    assert Session().scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("raw", ["\u00e9", "\u00ff\u00fe", "1\u00a0"])
def test_a_non_ascii_if_match_is_400_naming_it(client, raw):
    _, case_id = routed_case(client, window="W01")
    clerk = staff(client, "window_clerk", window="W01")
    # The WSGI server hands header bytes over as latin-1 text; environ_base does the same here.
    response = client.post(
        f"/api/v1/applications/{case_id}/actions",
        json={"action": "accept"},
        headers=auth(clerk),
        environ_base={"HTTP_IF_MATCH": raw},
    )
    assert list(_envelope(response, 400)) == ["If-Match"]
    case = client.get(f"/api/v1/applications/{case_id}", headers=auth(clerk)).json
    assert case["status"] == "at_window"


def test_any_undecodable_header_is_400(client):
    response = client.get("/healthz", environ_base={"HTTP_X_ANYTHING": "\u00e4"})
    assert list(_envelope(response, 400)) == ["X-Anything"]
