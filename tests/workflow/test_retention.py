"""Retention: a closed case past RETENTION_DAYS loses everything that names its applicant and
keeps its statistics, its audit chain still verifying; an applicant account left with nothing is
emptied; open cases, recent ones and live accounts are left alone."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from config import TestConfig
from tasks.retention import anonymise_expired_task
from tests.factories import (
    PASSWORD,
    act,
    auth,
    register,
    routed_case,
    run_dispatch,
    staff,
    user_id,
)  # fmt: skip
from workflow.db import Session
from workflow.models import (
    Alert,
    Application,
    Document,
    Notification,
    PersonalDataAccess,
    RefreshToken,
    User,
)
from workflow.models._types import utcnow
from workflow.services import retention as retention_service
from workflow.services.audit_check import find_first_break
from workflow.services.retention import ORPHAN_GRACE, RetentionRules, anonymise_expired

DAYS = TestConfig.RETENTION_DAYS
RULES = RetentionRules(DAYS, Path(TestConfig.DOCUMENTS_DIR))
SPOUSE = "王芳芳"
PHONE_IN_COMMENT = "13911112222"


def _counts(**done: int) -> dict:
    """What anonymise_expired() returns: the given counts, the others 0."""
    return (
        dict.fromkeys(
            ("cases", "accounts", "refresh_tokens", "cases_left", "accounts_left", "orphan_files"),
            0,
        )
        | done
    )


def _assert_left_once(model, bad_id: int, erased_ids: list[int], subject: str, caplog) -> None:
    """After the runs: the row that failed kept its data and the others were erased; one alert
    and the log name it by `subject`, and neither quotes the data the error held."""
    session = Session()
    states = dict(session.execute(select(model.id, model.anonymised_at)).all())
    alerts = session.scalars(select(Alert).where(Alert.kind == "retention_failed")).all()
    Session.remove()
    assert states[bad_id] is None and all(states[row_id] for row_id in erased_ids)
    assert [(alert.subject, SPOUSE in alert.message) for alert in alerts] == [(subject, False)]
    assert subject in caplog.text and SPOUSE not in caplog.text


def _age(model, row_id: int, days: int, column: str) -> None:
    session = Session()
    moment = utcnow() - timedelta(days=days)
    session.execute(update(model).where(model.id == row_id).values({column: moment}))
    session.commit()
    Session.remove()


@pytest.fixture
def closed(client):
    """A spouse-employment case whose correction notice names the applicant's spouse and phone
    (in the clerk's comment and item), then withdrawn; its applicant's full details read once:
    (applicant token, clerk token, case id)."""
    applicant, case_id = routed_case(client, "spouse_employment", "W03")
    session = Session()
    case = session.get(Application, case_id)
    case.form = {**case.form, "spouse_name": SPOUSE}
    session.commit()
    Session.remove()
    clerk = staff(client, "window_clerk", window="W03")
    read = client.get(
        f"/api/v1/applications/{case_id}/applicant?reason=受理核验身份证", headers=auth(clerk)
    )
    assert read.status_code == 200
    item = {
        "code": "marriage_certificate", "message_en": "Unclear marriage certificate",
        "message_zh": f"{SPOUSE}的结婚证不清晰，请致电{PHONE_IN_COMMENT}",
    }  # fmt: skip
    corrected = act(
        client, clerk, case_id, "request_correction", items=[item],
        comment=f"申请人配偶{SPOUSE}，电话{PHONE_IN_COMMENT}",
    )  # fmt: skip
    assert corrected.status_code == 200, corrected.json
    assert act(client, applicant, case_id, "withdraw").status_code == 200
    run_dispatch()  # the notices' rows, the correction notice's words among them
    return applicant, clerk, case_id


def test_a_closed_case_past_its_period_keeps_statistics_and_names_no_one(client, closed):
    applicant, clerk, case_id = closed
    session = Session()
    files = [
        Path(TestConfig.DOCUMENTS_DIR) / name
        for name in session.scalars(
            select(Document.stored_name).where(Document.application_id == case_id)
        )
    ]
    Session.remove()
    assert files and all(path.exists() for path in files)
    _age(Application, case_id, DAYS + 1, "updated_at")

    assert anonymise_expired(RULES) == _counts(cases=1)
    assert anonymise_expired(RULES) == _counts()  # done once

    shown = client.get(f"/api/v1/applications/{case_id}", headers=auth(clerk)).json
    assert shown["applicant_id"] is None and shown["anonymised_at"] is not None
    assert shown["status"] == "withdrawn"
    assert [item["code"] for item in shown["correction_items"]] == ["marriage_certificate"]
    assert all(set(item) <= {"code", "field"} for item in shown["correction_items"])
    assert set(shown["form"]) == {
        "talent_tier", "spouse_degree", "spouse_currently_employed"
    }  # fmt: skip
    events = client.get(f"/api/v1/applications/{case_id}/events", headers=auth(clerk)).json
    assert all("form" not in e["data"] for e in events)
    filed = [e for e in events if e["actor_role"] == "applicant"]
    assert filed and all(e["actor_id"] is None and "actor_id" in e["erased"] for e in filed)
    assert any("data.form" in e["erased"] for e in filed)
    notice = next(e for e in events if e["action"] == "request_correction")
    assert notice["actor_id"] == user_id(clerk) and notice["comment"] is None
    assert {"comment", "data.items"} <= set(notice["erased"]) and "items" not in notice["data"]
    assert find_first_break().first_break is None

    assert not any(path.exists() for path in files)
    assert client.get(f"/api/v1/applications/{case_id}", headers=auth(applicant)).status_code == 404
    read = client.get(
        f"/api/v1/applications/{case_id}/applicant?reason=受理核验身份证", headers=auth(clerk)
    )
    assert read.status_code == 404
    session = Session()
    assert session.scalar(select(Document).where(Document.application_id == case_id)) is None
    to_people = session.scalars(
        select(Notification.recipient).where(
            Notification.application_id == case_id, Notification.recipient_type == "user"
        )
    ).all()
    assert to_people and set(to_people) == {""}  # the applicant's notices name no one now
    access = session.scalars(select(PersonalDataAccess)).one()
    assert access.application_id is None and access.subject_id == user_id(applicant)
    for table in ("applications", "events", "steps", "notifications"):
        dump = " ".join(str(row) for row in session.execute(text(f"SELECT * FROM {table}")))
        assert SPOUSE not in dump and PHONE_IN_COMMENT not in dump, table
    Session.remove()


def test_the_nightly_task_reads_its_period_and_folder_from_the_settings(app, client, closed):
    _, _, case_id = closed
    _age(Application, case_id, DAYS + 1, "updated_at")
    with app.app_context():
        assert anonymise_expired_task.run() == _counts(cases=1)


def test_an_answer_its_field_could_not_hold_now_is_erased_with_the_rest(client, closed):
    # Filed before talent_tier became a choice, say: free text under a field kept by type.
    _, clerk, case_id = closed
    session = Session()
    case = session.get(Application, case_id)
    case.form = {**case.form, "talent_tier": SPOUSE, "spouse_currently_employed": "否"}
    case.updated_at = utcnow() - timedelta(days=DAYS + 1)
    session.commit()
    Session.remove()

    assert anonymise_expired(RULES) == _counts(cases=1)
    shown = client.get(f"/api/v1/applications/{case_id}", headers=auth(clerk)).json
    assert set(shown["form"]) == {"spouse_degree"}


def test_a_case_that_cannot_be_erased_does_not_hold_back_the_others(
    client, closed, monkeypatch, caplog
):
    _, _, bad_case = closed
    others = []
    for _ in range(3):
        applicant, case_id = routed_case(client)
        assert act(client, applicant, case_id, "withdraw").status_code == 200
        others.append(case_id)
    for case_id in (bad_case, *others):
        _age(Application, case_id, DAYS + 1, "updated_at")
    erase_statistics = retention_service.statistics_of

    def failing(session, case):
        if case.id == bad_case:
            raise ValueError(f"unreadable form of {SPOUSE}")  # its text must not be logged
        return erase_statistics(session, case)

    monkeypatch.setattr(retention_service, "statistics_of", failing)
    rules = RetentionRules(DAYS, RULES.documents_dir, batch=2)  # the bad case shares a batch

    assert anonymise_expired(rules) == _counts(cases=3, cases_left=1)
    assert anonymise_expired(rules) == _counts(cases_left=1)  # tried again; no second alert
    reference = Session().get(Application, bad_case).reference
    Session.remove()
    _assert_left_once(Application, bad_case, others, reference, caplog)

    monkeypatch.setattr(retention_service, "statistics_of", erase_statistics)  # mended
    assert anonymise_expired(rules) == _counts(cases=1)


def test_open_cases_and_closed_ones_within_their_period_are_left_alone(client, closed):
    _, _, case_id = closed
    _age(Application, case_id, DAYS - 1, "updated_at")
    _, open_case = routed_case(client)
    _age(Application, open_case, DAYS * 2, "updated_at")
    assert anonymise_expired(RULES) == _counts()
    session = Session()
    cases = session.scalars(select(Application)).all()
    assert all(case.applicant_id is not None and case.anonymised_at is None for case in cases)
    Session.remove()


def test_a_dormant_applicant_account_is_emptied_and_can_no_longer_log_in(client):
    phone = "13900005555"
    _, dormant_id = register(client, phone=phone)
    live_token, _ = register(client)
    login = client.post("/api/v1/auth/login", json={"username": phone, "password": PASSWORD})
    assert login.status_code == 200
    _age(User, dormant_id, DAYS + 1, "created_at")
    assert anonymise_expired(RULES) == _counts()  # it signed in lately
    _age(User, dormant_id, DAYS + 1, "last_signed_in_at")

    assert anonymise_expired(RULES) == _counts(accounts=1)
    session = Session()
    user = session.get(User, dormant_id)
    assert (user.name, user.phone, user.id_number, user.phone_hash, user.active) == (
        "", None, None, None, False,
    )  # fmt: skip
    assert session.scalar(select(RefreshToken).where(RefreshToken.user_id == dormant_id)) is None
    assert session.get(User, user_id(live_token)).anonymised_at is None
    Session.remove()
    login = client.post("/api/v1/auth/login", json={"username": phone, "password": PASSWORD})
    assert login.status_code == 401


def test_an_account_that_cannot_be_erased_does_not_hold_back_the_others(
    client, monkeypatch, caplog
):
    accounts = [register(client, phone=f"1390000{n:04d}")[1] for n in range(4)]
    bad_account = accounts[1]
    for account in accounts:
        _age(User, account, DAYS + 1, "created_at")
        _age(User, account, DAYS + 1, "last_signed_in_at")
    empty = retention_service._empty

    def failing(user, now):
        if user.id == bad_account:
            raise ValueError(f"unreadable name {SPOUSE}")  # its text must not be logged
        empty(user, now)

    monkeypatch.setattr(retention_service, "_empty", failing)
    rules = RetentionRules(DAYS, RULES.documents_dir, batch=2)  # the bad account shares a batch

    assert anonymise_expired(rules) == _counts(accounts=3, accounts_left=1)
    assert anonymise_expired(rules) == _counts(accounts_left=1)  # tried again; no second alert
    others = [account for account in accounts if account != bad_account]
    _assert_left_once(User, bad_account, others, f"#{bad_account}", caplog)
    assert f"account #{bad_account}" in caplog.text

    monkeypatch.setattr(retention_service, "_empty", empty)  # mended
    assert anonymise_expired(rules) == _counts(accounts=1)


def test_expired_refresh_tokens_are_deleted_and_live_ones_kept(client):
    _, expired_owner = register(client)
    _, live_owner = register(client)
    session = Session()
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == expired_owner)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    Session.remove()
    assert anonymise_expired(RULES)["refresh_tokens"] == 1
    owners = Session().scalars(select(RefreshToken.user_id)).all()
    Session.remove()
    assert owners == [live_owner]


def test_files_no_document_names_are_removed_once_past_the_grace(client, closed):
    folder = RULES.documents_dir
    session = Session()
    kept = session.scalars(select(Document.stored_name)).all()
    Session.remove()
    assert kept
    old = time.time() - ORPHAN_GRACE.total_seconds() - 60
    left_by_a_crash, in_progress = folder / ("a" * 32), folder / ("b" * 32)
    for path in (left_by_a_crash, in_progress):
        path.write_bytes(b"%PDF-1.4 a file whose row never committed")
    for path in (left_by_a_crash, *(folder / name for name in kept)):
        os.utime(path, (old, old))

    assert anonymise_expired(RULES)["orphan_files"] == 1
    assert not left_by_a_crash.exists() and in_progress.exists()  # an upload may be under way
    assert all((folder / name).exists() for name in kept)
