"""Access and refresh tokens: short access tokens, rotation, reuse, logout, password change, and
the per-request check that the account is still what the token says."""

import hashlib
import time

import jwt
import pytest
from sqlalchemy import select

from config import Config
from tests.factories import PASSWORD, auth, id_number, register, sent_code, staff, user_id
from workflow.db import Session
from workflow.models import RefreshToken, User

CASES = "/api/v1/applications"


def _register(client, seq: int) -> dict:
    """A new applicant's login answer: both tokens and the user."""
    register(client, seq)
    body = client.post(
        "/api/v1/auth/login", json={"username": f"139{seq:08d}", "password": PASSWORD}
    )
    assert body.status_code == 200
    return body.json


def _refresh(client, refresh_token: str):
    return client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


def test_confirming_the_phone_hands_out_a_short_access_token_and_a_refresh_token(client, app):
    registered = client.post(
        "/api/v1/auth/register",
        json={"phone": "13900000201", "password": PASSWORD, "name": "甲",
              "id_number": id_number(201)},
    )  # fmt: skip
    assert registered.status_code == 202, registered.json
    assert not Session().scalars(select(RefreshToken)).all()  # nothing until the phone is proved
    answer = client.post(
        "/api/v1/auth/confirm-phone",
        json={"phone": "13900000201", "code": sent_code("13900000201")},
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["expires_in"] == app.config["ACCESS_TOKEN_TTL_SECONDS"]
    assert len(answer.json["refresh_token"]) >= 40
    stored = Session().scalars(select(RefreshToken)).all()
    # Only the SHA-256 of the refresh token is stored.
    digest = hashlib.sha256(answer.json["refresh_token"].encode()).hexdigest()
    assert [row.token_hash for row in stored] == [digest]


def test_the_default_access_token_lasts_fifteen_minutes():
    assert Config.ACCESS_TOKEN_TTL_SECONDS == 15 * 60


def test_an_access_token_stops_working_when_it_expires(client, app, monkeypatch):
    # A token's exp is whole seconds (rounded down): with 2 s it lives at least 1 s, time
    # enough for the first request even on a busy machine, and is over within 3 s.
    monkeypatch.setitem(app.config, "ACCESS_TOKEN_TTL_SECONDS", 2)
    body = _register(client, 202)
    assert client.get(CASES, headers=auth(body["access_token"])).status_code == 200
    time.sleep(3.1)
    assert client.get(CASES, headers=auth(body["access_token"])).status_code == 401


def test_refresh_rotates_and_the_new_pair_works(client):
    body = _register(client, 203)
    renewed = _refresh(client, body["refresh_token"])
    assert renewed.status_code == 200
    assert renewed.json["refresh_token"] != body["refresh_token"]
    assert client.get(CASES, headers=auth(renewed.json["access_token"])).status_code == 200
    assert _refresh(client, renewed.json["refresh_token"]).status_code == 200


def test_a_spent_refresh_token_used_again_ends_the_whole_session(client):
    body = _register(client, 204)
    renewed = _refresh(client, body["refresh_token"]).json
    reused = _refresh(client, body["refresh_token"])  # a stolen copy of the first token
    assert reused.status_code == 401 and reused.json["code"] == 401
    # The thief's replay revoked the family: the legitimate holder's tokens are dead too.
    assert _refresh(client, renewed["refresh_token"]).status_code == 401
    assert client.get(CASES, headers=auth(renewed["access_token"])).status_code == 401


def test_an_unknown_or_expired_refresh_token_is_401(client):
    assert _refresh(client, "not-a-token").status_code == 401
    body = _register(client, 205)
    session = Session()
    for row in session.scalars(select(RefreshToken)):
        row.expires_at = row.issued_at
    session.commit()
    assert _refresh(client, body["refresh_token"]).status_code == 401


def test_logout_ends_this_session_only(client):
    body = _register(client, 206)
    other = client.post(
        "/api/v1/auth/login", json={"username": "13900000206", "password": PASSWORD}
    ).json
    response = client.post("/api/v1/auth/logout", headers=auth(body["access_token"]))
    assert response.status_code == 204
    assert client.get(CASES, headers=auth(body["access_token"])).status_code == 401
    assert _refresh(client, body["refresh_token"]).status_code == 401
    # Another device's session goes on.
    assert client.get(CASES, headers=auth(other["access_token"])).status_code == 200
    assert _refresh(client, other["refresh_token"]).status_code == 200


def test_a_password_change_ends_every_older_token(client):
    body = _register(client, 207)
    other = client.post(
        "/api/v1/auth/login", json={"username": "13900000207", "password": PASSWORD}
    ).json
    changed = client.post(
        "/api/v1/auth/password",
        headers=auth(body["access_token"]),
        json={"current_password": PASSWORD, "new_password": "another-horse-43"},
    )
    assert changed.status_code == 200
    for old in (body, other):
        assert client.get(CASES, headers=auth(old["access_token"])).status_code == 401
        assert _refresh(client, old["refresh_token"]).status_code == 401
    assert client.get(CASES, headers=auth(changed.json["access_token"])).status_code == 200
    old_login = {"username": "13900000207", "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=old_login).status_code == 401
    new_login = {"username": "13900000207", "password": "another-horse-43"}
    assert client.post("/api/v1/auth/login", json=new_login).status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"current_password": "wrong-password", "new_password": "another-horse-43"},
         "current_password"),
        ({"current_password": PASSWORD, "new_password": "short"}, "new_password"),
    ],
)  # fmt: skip
def test_a_password_change_needs_the_current_password_and_a_valid_new_one(client, body, field):
    token = _register(client, 208)["access_token"]
    response = client.post("/api/v1/auth/password", headers=auth(token), json=body)
    assert response.status_code == 422 and field in response.json["errors"]
    assert client.get(CASES, headers=auth(token)).status_code == 200  # nothing changed


def test_a_token_for_a_user_that_does_not_exist_is_401(client, app):
    token = _register(client, 209)["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    ghost = jwt.encode({**claims, "sub": "999999"}, app.config["SECRET_KEY"], "HS256")
    assert client.get(CASES, headers=auth(ghost)).status_code == 401


def test_a_deactivated_user_is_refused_on_the_next_request(client):
    token = _register(client, 210)["access_token"]
    session = Session()
    user = session.get(User, user_id(token))
    user.active = False
    user.token_version += 1  # what the admin service does with it
    session.commit()
    assert client.get(CASES, headers=auth(token)).status_code == 401


def test_a_token_with_an_older_version_is_refused(client):
    token = staff(client, "window_clerk", window="W01")
    session = Session()
    session.get(User, user_id(token)).token_version += 1
    session.commit()
    assert client.get(CASES, headers=auth(token)).status_code == 401


def test_no_token_is_issued_for_the_system_role(client):
    token = staff(client, "admin")
    session = Session()
    user = session.get(User, user_id(token))
    user.role = "system"
    session.commit()
    response = client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 401 and "access_token" not in response.json


def test_a_signed_token_claiming_the_system_role_is_refused(client, app):
    token = staff(client, "admin")
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode({**claims, "role": "system"}, app.config["SECRET_KEY"], "HS256")
    assert client.get(CASES, headers=auth(forged)).status_code == 401
