"""Registering, logging in, and what a token does and does not allow."""

import time

import jwt
import pytest

from tests.factories import PASSWORD, auth, id_number, register
from workflow.db import Session
from workflow.models import User


def test_register_then_login_with_the_phone_number(client):
    token, user_id = register(client, 101)
    response = client.post(
        "/api/v1/auth/login", json={"username": "13900000101", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json["token_type"] == "Bearer" and response.json["expires_in"] > 0
    user = response.json["user"]
    assert user["id"] == user_id and user["role"] == "applicant"
    assert user["id_number_masked"].startswith("140") and "*" in user["id_number_masked"]
    assert "password" not in user and "password_hash" not in user


def test_passwords_are_stored_as_argon2_hashes(client):
    _, user_id = register(client, 102)
    stored = Session().get(User, user_id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    "field, value",
    [
        ("phone", "12345"),
        ("password", "short"),
        ("name", " "),
        ("id_number", "110105194912310021"),
        ("id_number", "1101051949"),
    ],
)
def test_bad_registration_names_the_field_and_stores_nothing(client, field, value):
    body = {
        "phone": "13900000103",
        "password": PASSWORD,
        "name": "王五",
        "id_number": id_number(103),
    }
    response = client.post("/api/v1/auth/register", json={**body, field: value})
    assert response.status_code == 422
    assert response.json["code"] == 422 and response.json["status"] == "Unprocessable Entity"
    assert field in response.json["errors"]
    assert Session().query(User).count() == 0


def test_role_cannot_be_chosen_at_registration(client):
    body = {"phone": "13900000105", "password": PASSWORD, "name": "x", "id_number": id_number(105)}
    response = client.post("/api/v1/auth/register", json={**body, "role": "admin"})
    assert response.status_code == 422 and "role" in response.json["errors"]


def test_wrong_password_and_unknown_user_get_the_same_answer(client):
    register(client, 106)
    wrong = client.post(
        "/api/v1/auth/login", json={"username": "13900000106", "password": "nope-nope"}
    )
    unknown = client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["message"] == unknown.json["message"]


def test_no_token_bad_token_and_tampered_token_are_401(client, app):
    token, _ = register(client, 107)
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode({**claims, "role": "admin"}, "another-key-of-thirty-two-bytes-x", "HS256")
    for headers in ({}, auth("garbage"), auth(forged), {"Authorization": token}):
        response = client.get("/api/v1/applications", headers=headers)
        assert response.status_code == 401, headers
        assert response.json["code"] == 401


def test_an_expired_token_is_401(client, app):
    token, _ = register(client, 108)
    claims = jwt.decode(token, options={"verify_signature": False})
    expired = jwt.encode({**claims, "exp": 1}, app.config["SECRET_KEY"], "HS256")
    assert client.get("/api/v1/applications", headers=auth(expired)).status_code == 401


def test_a_token_checked_before_still_expires(client, app):
    token, _ = register(client, 109)
    claims = jwt.decode(token, options={"verify_signature": False})
    soon = jwt.encode({**claims, "exp": int(time.time()) + 2}, app.config["SECRET_KEY"], "HS256")
    assert client.get("/api/v1/applications", headers=auth(soon)).status_code == 200
    time.sleep(2.1)
    assert client.get("/api/v1/applications", headers=auth(soon)).status_code == 401
