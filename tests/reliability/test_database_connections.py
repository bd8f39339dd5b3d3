"""Pooled database connections the server dropped: found before use after an idle spell; in
steady use, one request gets a 503 in the envelope with nothing written, and the next succeeds."""

import psycopg
import pytest
from sqlalchemy import func, select

from tests.conftest import BACKEND, PG_ADMIN_URL, PG_DATABASE
from tests.factories import register, submit, valid_form
from workflow import db
from workflow.db import Session
from workflow.models import Application

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="drops server connections")


def _drop_every_connection_to_the_test_database() -> int:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        return admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (PG_DATABASE,),
        ).fetchone()[0]


def _cases() -> int:
    count = Session().scalar(select(func.count()).select_from(Application))
    Session.remove()
    return count


def test_a_connection_dropped_while_idle_is_replaced_before_use(client, monkeypatch):
    token, _ = register(client)
    assert _drop_every_connection_to_the_test_database() >= 1
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # as if it had idled for long
    assert submit(client, token).status_code == 201
    assert _cases() == 1


def test_a_connection_dropped_in_steady_use_costs_one_request_a_503(client, monkeypatch):
    token, _ = register(client)
    form = valid_form(client.get("/api/v1/policies/transport").json)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 3600.0)  # never pinged: just used
    assert _drop_every_connection_to_the_test_database() >= 1
    response = submit(client, token, form=form)
    assert response.status_code == 503
    assert response.json["code"] == 503 and "try again" in response.json["message"]
    assert response.headers["Retry-After"] == "1"
    # The pool let go of every connection older than the failure: the retry works.
    assert submit(client, token, form=form).status_code == 201
    assert _cases() == 1
