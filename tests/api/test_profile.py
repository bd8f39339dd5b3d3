"""One's own profile: the email address notices go to, and their language."""

from sqlalchemy import select

from tests.factories import act, auth, routed_case, run_dispatch, staff
from workflow.db import Session
from workflow.models import Notification


def test_an_applicant_adds_an_email_and_english_and_gets_the_notice_so(client):
    clerk = staff(client, "window_clerk", window="W03")
    applicant, case_id = routed_case(client)
    me = client.get("/api/v1/auth/me", headers=auth(applicant))
    assert me.status_code == 200 and me.json["email"] is None and me.json["language"] == "zh"
    changed = client.patch(
        "/api/v1/auth/me", headers=auth(applicant),
        json={"email": "talent@example.com", "language": "en"},
    )  # fmt: skip
    assert changed.status_code == 200 and changed.json["email"] == "talent@example.com"
    item = {"code": "copy", "message_zh": "复印件不清晰", "message_en": "Unclear copy"}
    assert act(client, clerk, case_id, "request_correction", items=[item]).status_code == 200
    run_dispatch()
    [mail] = Session().scalars(select(Notification).where(Notification.channel == "email"))
    assert mail.body["language"] == "en" and "Unclear copy" in mail.body["text"]
    Session.remove()


def test_a_bad_address_is_refused_and_null_removes_it(client):
    clerk = staff(client, "window_clerk", window="W01", email="clerk@w01.example.gov.cn")
    bad = client.patch("/api/v1/auth/me", headers=auth(clerk), json={"email": "not an address"})
    assert bad.status_code == 422 and "email" in bad.json["errors"]
    assert (
        client.patch("/api/v1/auth/me", headers=auth(clerk), json={"language": "fr"}).status_code
        == 422
    )
    removed = client.patch("/api/v1/auth/me", headers=auth(clerk), json={"email": None})
    assert removed.status_code == 200 and removed.json["email"] is None
    assert client.get("/api/v1/auth/me").status_code == 401
