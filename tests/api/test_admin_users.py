"""Admins list, create and change accounts; every change is recorded and takes effect on the
user's next request."""

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, auth, register, staff, user_id
from workflow.db import Session
from workflow.models import AdminEvent, User

USERS = "/api/v1/admin/users"


def _events(action: str) -> list[AdminEvent]:
    Session.remove()
    return Session().scalars(select(AdminEvent).where(AdminEvent.action == action)).all()


def _patch(client, admin: str, uid: int, **body):
    return client.patch(f"{USERS}/{uid}", headers=auth(admin), json=body)


@pytest.mark.parametrize("role", ["applicant", "window_clerk", "reviewer", "talent_office"])
def test_only_admins_reach_the_user_endpoints(client, role):
    if role == "applicant":
        token, _ = register(client)
    else:
        token = staff(client, role, window="W01", department="housing")
    target = user_id(token)
    for method, path, body in (
        ("get", USERS, None),
        ("post", USERS, {"username": "x-clerk", "password": PASSWORD, "role": "admin"}),
        ("patch", f"{USERS}/{target}", {"role": "admin"}),
        ("get", "/api/v1/admin/windows", None),
        ("get", "/api/v1/admin/departments", None),
    ):
        response = getattr(client, method)(path, headers=auth(token), json=body)
        assert response.status_code == 403, (method, path)
    assert Session().get(User, target).role == role


def test_list_filters_by_part_of_the_username_and_pages_by_cursor(client):
    admin = staff(client, "admin")
    for n in range(3):
        client.post(
            USERS,
            headers=auth(admin),
            json={"username": f"clerk-list-{n}", "password": PASSWORD, "role": "window_clerk",
                  "window_code": "W02"},
        )  # fmt: skip
    first = client.get(f"{USERS}?username=LIST&limit=2", headers=auth(admin))
    assert first.status_code == 200
    assert [u["username"] for u in first.json["items"]] == ["clerk-list-2", "clerk-list-1"]
    cursor = first.json["next_cursor"]
    second = client.get(f"{USERS}?username=list&limit=2&cursor={cursor}", headers=auth(admin))
    assert [u["username"] for u in second.json["items"]] == ["clerk-list-0"]
    assert second.json["next_cursor"] is None
    assert "password_hash" not in first.json["items"][0]
    everyone = client.get(USERS, headers=auth(admin)).json["items"]
    assert len(everyone) == 4  # the admin too


def test_creating_staff_is_recorded_without_the_password_and_they_can_log_in(client):
    admin = staff(client, "admin")
    body = {"username": "clerk-new", "password": PASSWORD, "role": "window_clerk",
            "window_code": "W05", "name": "新同事"}  # fmt: skip
    response = client.post(USERS, headers=auth(admin), json=body)
    assert response.status_code == 201, response.json
    assert response.json["window_code"] == "W05" and response.json["active"] is True
    [event] = _events("create_user")
    assert event.subject == "clerk-new" and event.actor_id == user_id(admin)
    assert "password" not in event.data and event.data["window_code"] == "W05"
    login = {"username": "clerk-new", "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200


def test_a_bad_new_account_is_422_and_nothing_is_recorded(client):
    admin = staff(client, "admin")
    body = {"username": "clerk-bad", "password": PASSWORD, "role": "window_clerk"}
    response = client.post(USERS, headers=auth(admin), json=body)
    assert response.status_code == 422 and "window" in response.json["errors"]
    assert _events("create_user") == []
    body = {"username": "x", "password": PASSWORD, "role": "system"}
    assert client.post(USERS, headers=auth(admin), json=body).status_code == 422


def test_deactivation_takes_effect_on_the_next_request_and_blocks_login(client):
    admin = staff(client, "admin")
    clerk = staff(client, "window_clerk", window="W01")
    assert client.get("/api/v1/applications", headers=auth(clerk)).status_code == 200
    response = _patch(client, admin, user_id(clerk), active=False)
    assert response.status_code == 200 and response.json["active"] is False
    assert client.get("/api/v1/applications", headers=auth(clerk)).status_code == 401
    username = response.json["username"]
    login = {"username": username, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 401
    [event] = _events("change_user")
    assert event.data == {"active": [True, False]}


def test_a_clerk_moved_to_another_window_needs_a_new_token_that_names_it(client):
    admin = staff(client, "admin")
    clerk = staff(client, "window_clerk", window="W01")
    response = _patch(client, admin, user_id(clerk), window_code="W07")
    assert response.status_code == 200 and response.json["window_code"] == "W07"
    assert client.get("/api/v1/applications", headers=auth(clerk)).status_code == 401
    login = {"username": response.json["username"], "password": PASSWORD}
    fresh = client.post("/api/v1/auth/login", json=login).json["access_token"]
    assert client.get("/api/v1/auth/me", headers=auth(fresh)).json["window_code"] == "W07"
    [event] = _events("change_user")
    assert event.data == {"window_code": ["W01", "W07"]}


def test_a_role_change_ends_the_old_token_and_is_recorded(client):
    admin = staff(client, "admin")
    reviewer = staff(client, "reviewer", department="housing")
    response = _patch(client, admin, user_id(reviewer), role="talent_office")
    assert response.status_code == 200 and response.json["role"] == "talent_office"
    assert client.get("/api/v1/applications", headers=auth(reviewer)).status_code == 401
    [event] = _events("change_user")
    assert event.data == {"role": ["reviewer", "talent_office"]}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"role": "applicant"}, "role"),
        ({"window_code": "W99"}, "window_code"),
        ({"window_code": None}, "window_code"),
        ({"role": "reviewer", "department_code": None}, "department_code"),
        ({"department_code": "nowhere"}, "department_code"),
    ],
)
def test_bad_changes_are_422_naming_the_field_and_change_nothing(client, body, field):
    admin = staff(client, "admin")
    clerk = staff(client, "window_clerk", window="W01")
    response = _patch(client, admin, user_id(clerk), **body)
    assert response.status_code == 422 and field in response.json["errors"]
    assert client.get("/api/v1/applications", headers=auth(clerk)).status_code == 200
    assert _events("change_user") == []


def test_an_applicant_cannot_be_made_staff_and_an_admin_cannot_deactivate_themselves(client):
    admin = staff(client, "admin")
    applicant, applicant_id = register(client)
    assert _patch(client, admin, applicant_id, role="admin").status_code == 422
    assert _patch(client, admin, user_id(admin), active=False).status_code == 422
    assert _patch(client, admin, 999999, active=False).status_code == 404


def test_an_admin_lock_ends_the_sessions_and_refuses_logins_until_unlocked(client):
    admin = staff(client, "admin")
    clerk = staff(client, "window_clerk", window="W01")
    username = _patch(client, admin, user_id(clerk), locked=True).json["username"]
    assert client.get("/api/v1/applications", headers=auth(clerk)).status_code == 401
    login = {"username": username, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 401
    _patch(client, admin, user_id(clerk), locked=False)
    assert client.post("/api/v1/auth/login", json=login).status_code == 200


def test_admins_list_windows_and_departments(client):
    admin = staff(client, "admin")
    windows = client.get("/api/v1/admin/windows", headers=auth(admin)).json
    departments = client.get("/api/v1/admin/departments", headers=auth(admin)).json
    assert len(windows) == 23 and windows[0]["code"] == "W01"
    assert {"housing", "finance"} <= {department["code"] for department in departments}
