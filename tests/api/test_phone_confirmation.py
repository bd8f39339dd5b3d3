"""Registration answers the same whatever is known, and an account logs in once the code sent
to its phone has come back."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from config import LOCAL_TIMEZONE
from tests.factories import PASSWORD, auth, id_number, register, sent_code, staff
from workflow.db import Session
from workflow.models import IdentityClaim, Notification, User
from workflow.models._types import utcnow
from workflow.notifications import DELIVERED, PHONE_CODE, REGISTRATION_TRIED
from workflow.notifications.channels.files import FileSmsChannel
from workflow.notifications.delivery import DeliveryPolicy, deliver
from workflow.notifications.pacing import QuietHours
from workflow.personal_data import lookup_hash

REGISTER, CONFIRM, RESEND = (
    "/api/v1/auth/register", "/api/v1/auth/confirm-phone", "/api/v1/auth/resend-code",
)  # fmt: skip


def _body(seq: int, **overrides) -> dict:
    return {"phone": f"139{seq:08d}", "password": PASSWORD, "name": "测试申请人",
            "id_number": id_number(seq), **overrides}  # fmt: skip


def _user(phone: str) -> User | None:
    return (
        Session()
        .scalars(select(User).where(User.phone_hash == lookup_hash(phone, "phone")))
        .first()
    )


def _sms(user_id: int, kind: str) -> list[Notification]:
    return list(
        Session().scalars(
            select(Notification)
            .where(Notification.recipient == str(user_id), Notification.kind == kind)
            .order_by(Notification.id)
        )
    )


def _confirm(client, phone: str, code: str):
    return client.post(CONFIRM, json={"phone": phone, "code": code})


def _neutral(response, phone: str) -> bytes:
    """The answer without the masked phone, which is all that may differ."""
    assert response.status_code == 202, response.json
    masked = f"{phone[:3]}****{phone[-4:]}"
    assert response.json["phone_masked"] == masked and masked in response.json["message"]
    return response.get_data().replace(masked.encode(), b"")


def test_the_answer_is_the_same_whatever_is_known(client):
    _, holder_id = register(client, 601)  # a confirmed account: phone 601, number 601
    new = client.post(REGISTER, json=_body(602))
    pending_again = client.post(REGISTER, json=_body(602, name="改名", id_number=id_number(603)))
    confirmed_phone = client.post(REGISTER, json=_body(601, password="another-password-1"))
    number_taken = client.post(REGISTER, json=_body(604, id_number=id_number(601)))
    answers = {
        _neutral(new, "13900000602"),
        _neutral(pending_again, "13900000602"),
        _neutral(confirmed_phone, "13900000601"),
        _neutral(number_taken, "13900000604"),
    }
    assert len(answers) == 1
    assert "access_token" not in new.json
    Session.remove()
    # The pending account's details were replaced, and a new code sent.
    pending = _user("13900000602")
    assert pending.name == "改名" and pending.id_number == id_number(603)
    assert pending.phone_confirmed_at is None and len(_sms(pending.id, PHONE_CODE)) == 2
    # The confirmed account is unchanged; its phone is told, with no code.
    [tried] = _sms(holder_id, REGISTRATION_TRIED)
    assert not re.search(r"[0-9]{6}", tried.body["text"])
    assert len(_sms(holder_id, PHONE_CODE)) == 1  # its own, from registering
    login = {"username": "13900000601", "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200
    # The number stays with its holder; the newcomer claims it.
    claimant = _user("13900000604")
    assert claimant.id_number is None and Session().get(User, holder_id).id_number == id_number(601)
    [claim] = Session().scalars(select(IdentityClaim)).all()
    assert claim.claimant_id == claimant.id and claim.id_number == id_number(601)


def test_login_is_refused_until_the_phone_is_confirmed(client):
    client.post(REGISTER, json=_body(611))
    login = {"username": "13900000611", "password": PASSWORD}
    refused = client.post("/api/v1/auth/login", json=login)
    wrong = client.post("/api/v1/auth/login", json={**login, "password": "wrong-password"})
    assert refused.status_code == wrong.status_code == 401
    assert refused.json == wrong.json
    confirmed = _confirm(client, "13900000611", sent_code("13900000611"))
    assert confirmed.status_code == 200 and confirmed.json["identity_claim"] is None
    me = client.get("/api/v1/auth/me", headers=auth(confirmed.json["access_token"]))
    assert me.status_code == 200 and me.json["phone_masked"] == "139****0611"
    assert confirmed.json["refresh_token"]
    assert client.post("/api/v1/auth/login", json=login).status_code == 200
    # The code is spent.
    assert _confirm(client, "13900000611", sent_code("13900000611")).status_code == 400


def test_a_code_is_kept_only_as_a_keyed_hash(client):
    client.post(REGISTER, json=_body(612))
    code = sent_code("13900000612")
    user = _user("13900000612")
    stored = json.dumps({c.name: str(getattr(user, c.key)) for c in User.__table__.columns})
    assert code not in stored and user.phone_code_hash
    bodies = Session().execute(text("SELECT body FROM notifications")).scalars().all()
    Session.remove()
    assert code not in json.dumps(bodies, ensure_ascii=False)
    assert "******" in json.dumps(bodies, ensure_ascii=False)  # the row shows it masked


def test_an_expired_code_is_refused(client):
    client.post(REGISTER, json=_body(613))
    code = sent_code("13900000613")
    Session().execute(update(User).values(phone_code_expires_at=utcnow() - timedelta(seconds=1)))
    Session().commit()
    response = _confirm(client, "13900000613", code)
    assert response.status_code == 400 and response.json["code"] == 400
    assert "access_token" not in response.json


@pytest.mark.parametrize("wrong_tries, answer", [(4, 200), (5, 400)])
def test_five_wrong_tries_void_the_code(client, wrong_tries, answer):
    client.post(REGISTER, json=_body(614))
    code = sent_code("13900000614")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [_confirm(client, "13900000614", wrong) for _ in range(wrong_tries)]
    assert {response.status_code for response in answers} == {400}
    assert answers[0].json == answers[-1].json  # the same message, void or not
    assert _confirm(client, "13900000614", code).status_code == answer


def test_an_unknown_phone_and_a_wrong_code_get_the_same_answer(client):
    client.post(REGISTER, json=_body(615))
    code = sent_code("13900000615")
    wrong = _confirm(client, "13900000615", f"{(int(code) + 1) % 10**6:06d}")
    unknown = _confirm(client, "13900000616", code)
    assert wrong.status_code == unknown.status_code == 400 and wrong.json == unknown.json


def test_a_resent_code_replaces_the_last_and_unknown_phones_get_the_same_answer(client):
    client.post(REGISTER, json=_body(617))
    first = sent_code("13900000617")
    resent = client.post(RESEND, json={"phone": "13900000617"})
    unknown = client.post(RESEND, json={"phone": "13900000618"})
    assert _neutral(resent, "13900000617") == _neutral(unknown, "13900000618")
    second = sent_code("13900000617")
    assert len(_sms(_user("13900000617").id, PHONE_CODE)) == 2
    if first != second:  # one in a million they are equal
        assert _confirm(client, "13900000617", first).status_code == 400
    assert _confirm(client, "13900000617", second).status_code == 200
    assert Session().scalars(select(Notification)).all()[-1].kind == PHONE_CODE


def test_the_one_time_code_limit_counts_per_phone(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_ONE_TIME_CODE_PHONE", "2/minute")
    assert client.post(REGISTER, json=_body(621)).status_code == 202
    assert client.post(RESEND, json={"phone": "+8613900000621"}).status_code == 202
    throttled = client.post(RESEND, json={"phone": "13900000621"})
    assert throttled.status_code == 429 and throttled.headers["Retry-After"]
    assert client.post(REGISTER, json=_body(621)).status_code == 429
    assert client.post(REGISTER, json=_body(622)).status_code == 202


def _deliver_code(phone: str, directory, quiet_hours=None):
    [row] = _sms(_user(phone).id, PHONE_CODE)
    policy = DeliveryPolicy(quiet_hours=quiet_hours)
    [result] = deliver([row.id], {"sms": FileSmsChannel(directory)}, policy)
    return row.id, result


def test_the_code_sms_is_written_to_the_outbox_and_confirms_the_phone(client, tmp_path):
    client.post(REGISTER, json=_body(631))
    row_id, result = _deliver_code("13900000631", tmp_path)
    assert result.status == DELIVERED
    sms = json.loads((tmp_path / "sms" / f"yh-n-{row_id}.json").read_text())
    assert sms["to"] == "+8613900000631"
    code = re.search(r"\b([0-9]{6})\b", sms["text"]).group(1)
    assert _confirm(client, "13900000631", code).status_code == 200


def test_quiet_hours_do_not_hold_the_code(client, tmp_path):
    client.post(REGISTER, json=_body(632))
    now_hour = utcnow().astimezone(LOCAL_TIMEZONE).hour
    always_quiet_now = QuietHours(start=now_hour, end=(now_hour + 1) % 24)
    assert always_quiet_now.held_until(utcnow()) is not None
    _, result = _deliver_code("13900000632", tmp_path, always_quiet_now)
    assert result.status == DELIVERED


def test_a_confirmed_claimant_is_told_to_bring_their_card(client):
    register(client, 641)
    client.post(REGISTER, json=_body(642, id_number=id_number(641)))
    confirmed = _confirm(client, "13900000642", sent_code("13900000642"))
    assert confirmed.status_code == 200 and "identity card" in confirmed.json["identity_claim"]
    assert confirmed.json["user"]["id_number_masked"] is None


def test_an_admin_looking_at_the_code_sms_does_not_see_the_code(client):
    client.post(REGISTER, json=_body(651))
    code = sent_code("13900000651")
    [row] = _sms(_user("13900000651").id, PHONE_CODE)
    admin = staff(client, "admin")
    shown = client.get(f"/api/v1/notifications/{row.id}", headers=auth(admin))
    assert shown.status_code == 200 and shown.json["kind"] == PHONE_CODE
    assert code not in shown.get_data(as_text=True)
