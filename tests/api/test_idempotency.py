"""Idempotency-Key on POST /applications: a retried submission never makes a second case."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.factories import auth, provide_documents, register, run_precheck, valid_form
from workflow.db import Session
from workflow.models import Application, OutboxMessage


def _post(client, token, key, window="W01", form=None):
    form = form or valid_form(client.get("/api/v1/policies/transport").json)
    headers = {**auth(token), **({"Idempotency-Key": key} if key is not None else {})}
    body = {"policy_code": "transport", "window_code": window, "form": form}
    return client.post("/api/v1/applications", headers=headers, json=body)


def _count(model) -> int:
    value = Session().scalar(select(func.count()).select_from(model))
    Session.remove()
    return value


def test_a_retry_with_the_same_key_returns_the_first_case(client):
    token, _ = register(client)
    first = _post(client, token, "4f1c2b1e-0000-4000-8000-000000000001")
    again = _post(client, token, "4f1c2b1e-0000-4000-8000-000000000001")
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(Application) == _count(OutboxMessage) == 1


def test_a_replay_answers_as_the_first_time_even_after_the_case_moved_on(client):
    token, _ = register(client)
    first = _post(client, token, "moved-on")
    provide_documents(client, token, first.json["id"], "transport")
    run_precheck()  # the case leaves `submitted` for its window
    assert (
        client.get(f"/api/v1/applications/{first.json['id']}", headers=auth(token)).json["status"]
        == "at_window"
    )
    again = _post(client, token, "moved-on")
    assert again.status_code == 201
    assert again.json == first.json and again.json["status"] == "submitted"
    assert again.headers["ETag"] == first.headers["ETag"]


def test_the_same_key_with_another_body_is_422_and_stores_nothing(client):
    token, _ = register(client)
    _post(client, token, "key-1")
    other = _post(client, token, "key-1", window="W02")
    assert other.status_code == 422 and "Idempotency-Key" in other.json["errors"]
    assert _count(Application) == 1


def test_keys_belong_to_their_caller(client):
    first, _ = register(client)
    second, _ = register(client)
    a, b = _post(client, first, "shared-key"), _post(client, second, "shared-key")
    assert a.status_code == b.status_code == 201 and a.json["id"] != b.json["id"]


def test_without_a_key_each_request_makes_a_case(client):
    token, _ = register(client)
    assert _post(client, token, None).json["id"] != _post(client, token, None).json["id"]


# A non-ASCII header value is refused for every header at the edge, as 400 (api/edge_input.py).
@pytest.mark.parametrize(
    "key, status", [("", 422), ("x" * 256, 422), ("clé", 400), ("tab\there", 422)]
)
def test_a_malformed_key_is_refused(client, key, status):
    token, _ = register(client)
    response = _post(client, token, key)
    assert response.status_code == status and "Idempotency-Key" in response.json["errors"]
    assert _count(Application) == 0


def test_a_request_refused_for_its_fields_does_not_use_up_the_key(client):
    token, _ = register(client)
    bad = _post(client, token, "key-2", form={"nope": 1})
    assert bad.status_code == 422
    assert _post(client, token, "key-2").status_code == 201


def test_concurrent_duplicates_make_one_case(app, client):
    token, _ = register(client)
    form = valid_form(client.get("/api/v1/policies/transport").json)

    def send(_):
        with app.test_client() as own_client:  # one client and one DB session per thread
            return _post(own_client, token, "race-key", form=form).status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(send, range(8)))
    # The first commits; one waiting on it gets 409, later ones replay it.
    assert 201 in statuses and set(statuses) <= {201, 409}
    assert _count(Application) == 1
