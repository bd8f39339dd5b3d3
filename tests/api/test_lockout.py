"""Locking an account after consecutive failed logins, for longer each time, and unlocking."""

from datetime import timedelta

from sqlalchemy import select

from tests.factories import PASSWORD, auth, staff, user_id
from workflow.db import Session
from workflow.models import AdminEvent, User
from workflow.models._types import utcnow

LOGIN = "/api/v1/auth/login"


def _account(client) -> tuple[str, int]:
    token = staff(client, "window_clerk", window="W01")
    uid = user_id(token)
    username = Session().get(User, uid).username
    Session.remove()
    return username, uid


def _login(client, username: str, password: str):
    return client.post(LOGIN, json={"username": username, "password": password})


def _user(uid: int) -> User:
    Session.remove()
    return Session().get(User, uid)


def _lock_expires(uid: int) -> None:
    session = Session()
    user = session.get(User, uid)
    user.locked_until = utcnow() - timedelta(seconds=1)
    session.commit()


def _locked_for(uid: int) -> float:
    return (_user(uid).locked_until - utcnow()).total_seconds()


def test_after_five_failures_even_the_right_password_gets_the_same_401(client, app):
    username, uid = _account(client)
    after = app.config["LOGIN_LOCK_AFTER"]
    assert after == 5
    for _ in range(after):
        assert _login(client, username, "wrong-password").status_code == 401
    assert 55 < _locked_for(uid) <= 60
    wrong = _login(client, username, "wrong-password")
    right = _login(client, username, PASSWORD)
    assert right.status_code == wrong.status_code == 401
    assert right.json == wrong.json  # nothing tells a locked account from a wrong password
    assert _user(uid).failed_logins == after  # tries while locked do not lengthen the lock


def test_each_next_lock_lasts_twice_as_long_up_to_the_cap(client, app):
    username, uid = _account(client)
    for _ in range(5):
        _login(client, username, "wrong-password")
    seen = [round(_locked_for(uid))]
    for _ in range(3):
        _lock_expires(uid)
        assert _login(client, username, "wrong-password").status_code == 401
        seen.append(round(_locked_for(uid)))
    assert seen == [60, 120, 240, 480]
    session = Session()
    session.get(User, uid).failed_logins = 40
    session.commit()
    _lock_expires(uid)
    _login(client, username, "wrong-password")
    assert round(_locked_for(uid)) == app.config["LOGIN_LOCK_MAX_SECONDS"]


def test_the_right_password_after_the_lock_resets_the_count(client):
    username, uid = _account(client)
    for _ in range(5):
        _login(client, username, "wrong-password")
    _lock_expires(uid)
    assert _login(client, username, PASSWORD).status_code == 200
    user = _user(uid)
    assert user.failed_logins == 0 and user.locked_until is None


def test_fewer_failures_than_the_limit_do_not_lock(client):
    username, uid = _account(client)
    for _ in range(4):
        _login(client, username, "wrong-password")
    assert _login(client, username, PASSWORD).status_code == 200


def test_an_admin_unlocks_a_staff_account_and_it_is_recorded(client):
    admin = staff(client, "admin")
    username, uid = _account(client)
    for _ in range(5):
        _login(client, username, "wrong-password")
    assert _login(client, username, PASSWORD).status_code == 401
    response = client.patch(
        f"/api/v1/admin/users/{uid}", headers=auth(admin), json={"locked": False}
    )
    assert response.status_code == 200 and response.json["locked_until"] is None
    assert _login(client, username, PASSWORD).status_code == 200
    events = Session().scalars(select(AdminEvent).where(AdminEvent.action == "change_user")).all()
    assert [(e.subject, e.data) for e in events] == [(username, {"locked": [None, False]})]
