"""An identity number held by another account is resolved at a window: a clerk lists the open
claims and grants or refuses each after checking the person's card."""

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, auth, id_number, register, sent_code, staff
from workflow.db import Session
from workflow.models import IdentityClaim, User

CLAIMS = "/api/v1/identity-claims"


def _claimant(client, seq: int, holder_seq: int, confirm: bool = True) -> str:
    """Registers phone `seq` with the identity number of account `holder_seq`; its token."""
    phone = f"139{seq:08d}"
    body = {
        "phone": phone,
        "password": PASSWORD,
        "name": "申领人",
        "id_number": id_number(holder_seq),
    }
    assert client.post("/api/v1/auth/register", json=body).status_code == 202
    if not confirm:
        return ""
    answer = client.post(
        "/api/v1/auth/confirm-phone", json={"phone": phone, "code": sent_code(phone)}
    )
    assert answer.status_code == 200 and answer.json["identity_claim"]
    return answer.json["access_token"]


def _decide(client, token: str, claim_id: int, decision: str):
    return client.post(
        f"{CLAIMS}/{claim_id}/decision",
        json={"decision": decision, "comment": "身份证原件已核验"},
        headers=auth(token),
    )


def test_a_clerk_of_any_window_sees_open_claims_masked_and_only_of_confirmed_phones(client):
    register(client, 701)
    _claimant(client, 702, holder_seq=701)
    _claimant(client, 703, holder_seq=701, confirm=False)
    clerk = staff(client, "window_clerk", window="W17")
    answer = client.get(CLAIMS, headers=auth(clerk))
    assert answer.status_code == 200
    [claim] = answer.json["items"]
    number = id_number(701)
    assert claim["id_number_masked"] == number[:3] + "*" * 11 + number[-4:]
    assert claim["claimant_phone_masked"] == "139****0702" and claim["status"] == "open"
    assert number not in answer.get_data(as_text=True)
    assert "13900000702" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("role, allowed", [
    ("window_clerk", True), ("talent_office", True), ("admin", True), ("reviewer", False),
    ("finance", False), ("applicant", False),
])  # fmt: skip
def test_who_may_handle_claims(client, role, allowed):
    register(client, 711)
    claimant = _claimant(client, 712, holder_seq=711)
    if role == "applicant":
        token = claimant
    else:
        extra = {"window_clerk": {"window": "W01"}, "reviewer": {"department": "transport"},
                 "talent_office": {"department": "talent_office"}}.get(role, {})  # fmt: skip
        token = staff(client, role, **extra)
    listed = client.get(CLAIMS, headers=auth(token))
    claim_id = Session().scalars(select(IdentityClaim.id)).one()
    decided = _decide(client, token, claim_id, "refuse")
    assert (listed.status_code, decided.status_code) == ((200, 200) if allowed else (403, 403))


def test_granting_moves_the_number_and_deactivates_the_old_holder(client):
    holder_token, holder_id = register(client, 721)
    claimant_token = _claimant(client, 722, holder_seq=721)
    clerk = staff(client, "window_clerk", window="W05")
    [claim] = client.get(CLAIMS, headers=auth(clerk)).json["items"]
    granted = _decide(client, clerk, claim["id"], "grant")
    assert granted.status_code == 200, granted.json
    assert granted.json["status"] == "granted" and granted.json["comment"] == "身份证原件已核验"
    assert granted.json["decided_by"] and granted.json["decided_at"]
    Session.remove()
    holder = Session().get(User, holder_id)
    claimant = Session().get(User, claim["claimant_id"])
    assert claimant.id_number == id_number(721) and holder.id_number is None
    assert not holder.active
    me = client.get("/api/v1/auth/me", headers=auth(claimant_token)).json
    assert me["id_number_masked"].endswith(id_number(721)[-4:])
    assert client.get("/api/v1/auth/me", headers=auth(holder_token)).status_code == 401
    # Decided once; an open list no longer shows it.
    assert _decide(client, clerk, claim["id"], "refuse").status_code == 409
    assert client.get(CLAIMS, headers=auth(clerk)).json["items"] == []


def test_refusing_closes_the_claim_and_changes_no_account(client):
    holder_token, holder_id = register(client, 731)
    _claimant(client, 732, holder_seq=731)
    admin = staff(client, "admin")
    claim_id = Session().scalars(select(IdentityClaim.id)).one()
    refused = _decide(client, admin, claim_id, "refuse")
    assert refused.status_code == 200 and refused.json["status"] == "refused"
    Session.remove()
    assert Session().get(User, holder_id).id_number == id_number(731)
    assert client.get("/api/v1/auth/me", headers=auth(holder_token)).status_code == 200
    assert client.get(CLAIMS, headers=auth(admin)).json["items"] == []


def test_a_claim_of_an_unconfirmed_phone_cannot_be_decided(client):
    register(client, 741)
    _claimant(client, 742, holder_seq=741, confirm=False)
    clerk = staff(client, "window_clerk", window="W01")
    claim_id = Session().scalars(select(IdentityClaim.id)).one()
    assert _decide(client, clerk, claim_id, "grant").status_code == 404
    assert _decide(client, clerk, 999_999, "grant").status_code == 404
