"""argon2 parameters come from the settings, and a hash made with others is redone at login."""

from argon2 import PasswordHasher

from tests.factories import PASSWORD, register
from workflow.db import Session
from workflow.models import User


def _stored(uid: int) -> str:
    Session.remove()
    return Session().get(User, uid).password_hash


def test_hashes_use_the_settings_parameters(client, app):
    _, uid = register(client, 601)
    expected = (
        f"m={app.config['ARGON2_MEMORY_KIB']},t={app.config['ARGON2_TIME_COST']},"
        f"p={app.config['ARGON2_PARALLELISM']}"
    )
    assert f"$argon2id$v=19${expected}$" in _stored(uid)


def test_a_hash_made_with_other_parameters_is_redone_at_the_next_login(client):
    _, uid = register(client, 602)
    session = Session()
    older = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=2).hash(PASSWORD)
    session.get(User, uid).password_hash = older
    session.commit()
    login = {"username": "13900000602", "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200
    renewed = _stored(uid)
    assert renewed != older and "m=2048,t=2,p=2" not in renewed
    assert PasswordHasher().verify(renewed, PASSWORD)
    # An up-to-date hash is left as it is.
    assert client.post("/api/v1/auth/login", json=login).status_code == 200
    assert _stored(uid) == renewed


def test_a_wrong_password_does_not_rehash(client):
    _, uid = register(client, 603)
    session = Session()
    older = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=2).hash(PASSWORD)
    session.get(User, uid).password_hash = older
    session.commit()
    login = {"username": "13900000603", "password": "wrong-password"}
    assert client.post("/api/v1/auth/login", json=login).status_code == 401
    assert _stored(uid) == older
