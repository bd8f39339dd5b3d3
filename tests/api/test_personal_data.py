"""Identity numbers and phones at rest: sealed in every table, masked in responses, read in full
only on record, resealed by rotate-keys."""

import sqlite3
from dataclasses import replace

import pytest
from sqlalchemy import select, text

from tests.conftest import BACKEND, TEST_VAR
from tests.factories import PASSWORD, auth, id_number, register, routed_case, staff, user_id
from workflow import personal_data
from workflow.db import Session
from workflow.models import IdentityClaim, Notification
from workflow.personal_data import parse_keys

APPLICANT = "/api/v1/applications/{}/applicant"
READS = "/api/v1/admin/personal-data-access"


def _everything_stored() -> str:
    """The whole database as text, as a dump would hold it."""
    if BACKEND == "postgres":
        session = Session()
        tables = session.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).all()
        dump = "\n".join(
            session.scalar(text(f"SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM {name} t"))
            for name in tables
        )
        Session.remove()
        return dump
    Session.remove()
    # Everything committed, in the file itself (the write-ahead log folded in).
    with sqlite3.connect(TEST_VAR / "yanhu.sqlite") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return (TEST_VAR / "yanhu.sqlite").read_bytes().decode("utf-8", "replace")


def test_no_identity_number_or_phone_is_stored_in_clear(client):
    number = id_number(901)
    register(client, 901, phone="13912349901")
    routed_case(client)  # a case too, with its events and notices
    stored = _everything_stored()
    assert "测试申请人" in stored  # the dump reads the rows (names are not sealed)
    assert number not in stored and "13912349901" not in stored
    assert number[-8:] not in stored


def test_logins_and_registrations_still_find_the_sealed_values(client):
    register(client, 902, phone="13912349902")
    login = client.post(
        "/api/v1/auth/login", json={"username": "13912349902", "password": PASSWORD}
    )
    assert login.status_code == 200
    again = client.post(
        "/api/v1/auth/register",
        json={"phone": "13912340000", "password": PASSWORD, "name": "重复",
              "id_number": id_number(902)},
    )  # fmt: skip
    assert again.status_code == 202, again.json
    # The number was found held: the newcomer only claims it.
    claim = Session().scalars(select(IdentityClaim)).one()
    assert claim.id_number == id_number(902)


def test_responses_mask_the_applicants_own_details(client):
    token, _ = register(client, 903, phone="13912349903")
    me = client.get("/api/v1/auth/me", headers=auth(token)).json
    assert me["phone_masked"] == "139****9903"
    assert me["id_number_masked"] == id_number(903)[:3] + "*" * 11 + id_number(903)[-4:]
    assert "13912349903" not in str(me) and id_number(903) not in str(me)


def test_staff_who_see_the_case_read_the_full_details_on_record(client):
    applicant, case_id = routed_case(client, window="W03")
    clerk = staff(client, "window_clerk", window="W03")
    url = APPLICANT.format(case_id)
    missing = client.get(url, headers=auth(clerk))
    assert missing.status_code == 422 and "reason" in missing.json["errors"]
    read = client.get(url, query_string={"reason": "受理核验身份证"}, headers=auth(clerk))
    assert read.status_code == 200, read.json
    mine = client.get("/api/v1/auth/me", headers=auth(applicant)).json
    assert read.json["id_number"][-4:] == mine["id_number_masked"][-4:]
    assert len(read.json["id_number"]) == 18 and read.json["phone"].isdigit()

    other_window = staff(client, "window_clerk", window="W04")
    assert (
        client.get(
            url, query_string={"reason": "随便看看而已"}, headers=auth(other_window)
        ).status_code
        == 404
    )
    assert (
        client.get(url, query_string={"reason": "看我自己的"}, headers=auth(applicant)).status_code
        == 403
    )

    admin = staff(client, "admin")
    records = client.get(READS, headers=auth(admin)).json["items"]
    assert [
        (r["actor_id"], r["subject_id"], r["application_id"], r["reason"]) for r in records
    ] == [(user_id(clerk), user_id(applicant), case_id, "受理核验身份证")]
    assert client.get(READS, headers=auth(clerk)).status_code == 403
    only = client.get(READS, query_string={"subject_id": user_id(clerk)}, headers=auth(admin))
    assert only.json["items"] == []


@pytest.fixture
def older_key():
    """Registrations sealed with t1 (the older test key), as before a rotation."""
    saved = personal_data._keys["current"]
    personal_data.use(replace(saved, sealing_id="t1"))
    yield
    personal_data.use(saved)


def _sealed_with() -> set[str]:
    rows = Session().execute(text("SELECT phone, id_number FROM users")).all()
    Session.remove()
    return {value.split(":")[1] for row in rows for value in row if value}


def test_rotate_keys_reseals_everything_with_the_first_key(app, client, older_key):
    register(client, 904, phone="13912349904")
    assert _sealed_with() == {"t1"}
    personal_data.use(
        parse_keys(app.config["PERSONAL_DATA_KEYS"], app.config["PERSONAL_DATA_HASH_KEY"])
    )
    result = app.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0
    assert "resealed 1 of 1 users and 1 unsent code messages with key t2" in result.output
    assert _sealed_with() == {"t2"}
    [code_text] = Session().scalars(select(Notification.body["text_sealed"].as_string())).all()
    Session.remove()
    assert code_text.split(":")[1] == "t2"  # the code SMS, still to be sent, opens with t2
    login = client.post(
        "/api/v1/auth/login", json={"username": "13912349904", "password": PASSWORD}
    )
    assert login.status_code == 200
    again = app.test_cli_runner().invoke(args=["rotate-keys"])
    assert "resealed 0 of 1" in again.output
