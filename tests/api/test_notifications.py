"""The inbox (unread, read), one notification with its attempts, the SMS provider's signed
receipts, a window's webhook, and template previews; rows made by the real flows."""

import json

import pytest
from sqlalchemy import select

from tests.factories import act, auth, routed_case, run_dispatch, staff, user_id
from workflow.db import Session
from workflow.models import AdminEvent, DeliveryAttempt, Notification, Window
from workflow.models._types import utcnow
from workflow.notifications import reference_of
from workflow.notifications.signatures import sign_body

SECRET = "test-sms-callback-secret"  # TestConfig.SMS_CALLBACK_SECRET
RECEIPTS = "/api/v1/notifications/receipts/sms"


def _arrived(client):
    """A case routed to W03 and dispatched: (the W03 clerk, their case_arrived row as listed)."""
    routed_case(client)
    run_dispatch()
    clerk = staff(client, "window_clerk", window="W03")
    [row] = client.get("/api/v1/notifications", headers=auth(clerk)).json["items"]
    assert row["kind"] == "case_arrived"
    return clerk, row


def _unread(client, token):
    return client.get("/api/v1/notifications/unread-count", headers=auth(token)).json["unread"]


def _sms_in_flight(client) -> tuple[str, int]:
    """A correction requested of an applicant (who has a phone), dispatched, and its SMS row
    accepted by the provider and waiting for a receipt: (the applicant's token, the row's id)."""
    applicant, case_id = routed_case(client)
    clerk = staff(client, "window_clerk", window="W03")
    response = act(client, clerk, case_id, "request_correction", comment="x",
                   items=[{"code": "x", "message_zh": "请补正"}])  # fmt: skip
    assert response.status_code == 200, response.json
    run_dispatch()
    session = Session()
    row = session.scalars(
        select(Notification).where(
            Notification.channel == "sms", Notification.kind == "correction_requested"
        )
    ).one()
    assert row.recipient == str(user_id(applicant)) and row.status == "created"
    # As if a worker had sent it and the provider accepted it.
    row.status, row.attempts, row.sent_at = "sending", 1, utcnow()
    session.add(DeliveryAttempt(notification_id=row.id, number=1, outcome="accepted", detail=""))
    session.commit()
    notification_id = row.id
    Session.remove()
    return applicant, notification_id


def _receipt(client, body, secret=SECRET, signature=None):
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    headers["X-Signature"] = signature if signature is not None else sign_body(secret, raw)
    return client.post(RECEIPTS, data=raw, headers=headers)


def _status(notification_id):
    status = Session().get(Notification, notification_id).status
    Session.remove()
    return status


# The inbox


def test_unread_filter_and_count_drop_after_read(client):
    clerk, row = _arrived(client)
    assert row["read_at"] is None and row["attempts"] == 0
    assert row["reference"] == reference_of(row["id"]) and "sent_at" in row
    assert _unread(client, clerk) == 1
    unread = client.get("/api/v1/notifications?unread=true", headers=auth(clerk)).json
    assert [item["id"] for item in unread["items"]] == [row["id"]]
    assert unread["next_cursor"] is None

    response = client.post(f"/api/v1/notifications/{row['id']}/read", headers=auth(clerk))
    assert response.status_code == 200, response.json
    assert response.json["read_at"] and response.json["id"] == row["id"]
    assert _unread(client, clerk) == 0
    assert client.get("/api/v1/notifications?unread=true", headers=auth(clerk)).json["items"] == []
    [listed] = client.get("/api/v1/notifications", headers=auth(clerk)).json["items"]
    assert listed["read_at"] == response.json["read_at"]


def test_reading_twice_keeps_the_first_read_at(client):
    clerk, row = _arrived(client)
    first = client.post(f"/api/v1/notifications/{row['id']}/read", headers=auth(clerk))
    again = client.post(f"/api/v1/notifications/{row['id']}/read", headers=auth(clerk))
    assert first.status_code == again.status_code == 200
    assert again.json["read_at"] == first.json["read_at"]


def test_a_bad_unread_value_is_422(client):
    clerk, _ = _arrived(client)
    response = client.get("/api/v1/notifications?unread=perhaps", headers=auth(clerk))
    assert response.status_code == 422 and "unread" in response.json["errors"]


def test_someone_elses_notification_is_404_to_read_and_to_get(client):
    _, row = _arrived(client)
    other = staff(client, "window_clerk", window="W04")
    for response in (
        client.get(f"/api/v1/notifications/{row['id']}", headers=auth(other)),
        client.post(f"/api/v1/notifications/{row['id']}/read", headers=auth(other)),
        client.get("/api/v1/notifications/2147483647", headers=auth(other)),
    ):
        assert response.status_code == 404 and response.json["code"] == 404
    assert client.get("/api/v1/notifications/1").status_code == 401


def test_the_recipient_and_admins_see_the_attempts(client):
    applicant, notification_id = _sms_in_flight(client)
    admin = staff(client, "admin")
    for token in (applicant, admin):
        response = client.get(f"/api/v1/notifications/{notification_id}", headers=auth(token))
        assert response.status_code == 200, response.json
        assert response.json["channel"] == "sms" and response.json["status"] == "sending"
        [attempt] = response.json["delivery_attempts"]
        assert response.json["attempts"] == 1
        assert attempt["number"] == 1 and attempt["outcome"] == "accepted"
        assert set(attempt) == {"number", "started_at", "finished_at", "outcome", "detail"}


def test_an_sms_is_not_marked_read(client):
    applicant, notification_id = _sms_in_flight(client)
    response = client.post(f"/api/v1/notifications/{notification_id}/read", headers=auth(applicant))
    assert response.status_code == 409 and "sms" in response.json["message"]


def test_an_admin_sees_a_window_message_but_does_not_mark_it_read(client):
    clerk, row = _arrived(client)
    admin = staff(client, "admin")
    assert client.get(f"/api/v1/notifications/{row['id']}", headers=auth(admin)).status_code == 200
    response = client.post(f"/api/v1/notifications/{row['id']}/read", headers=auth(admin))
    assert response.status_code == 403
    assert _unread(client, clerk) == 1


# SMS receipts


def test_a_signed_receipt_delivers_an_sms_in_flight(client):
    _, notification_id = _sms_in_flight(client)
    response = _receipt(client, {"reference": reference_of(notification_id), "status": "delivered"})
    assert response.status_code == 200, response.json
    assert response.json == {"id": notification_id, "status": "delivered"}
    row = Session().get(Notification, notification_id)
    assert row.status == "delivered" and row.finished_at is not None


def test_a_late_or_repeated_receipt_never_moves_a_final_status(client):
    _, notification_id = _sms_in_flight(client)
    reference = reference_of(notification_id)
    assert _receipt(client, {"reference": reference, "status": "delivered"}).status_code == 200
    for status in ("failed", "delivered"):
        response = _receipt(client, {"reference": reference, "status": status})
        assert response.status_code == 200
        assert response.json == {"id": notification_id, "status": "delivered"}
    assert _status(notification_id) == "delivered"


def test_a_failed_receipt_ends_the_sms_as_a_permanent_failure(client):
    _, notification_id = _sms_in_flight(client)
    response = _receipt(client, {"reference": reference_of(notification_id), "status": "failed"})
    assert response.json["status"] == "permanent_failure"


@pytest.mark.parametrize(
    "signature", ["", "sha256=" + "0" * 64, sign_body("another-secret", b"{}"), "garbage"]
)
def test_an_unsigned_or_badly_signed_receipt_is_401_and_changes_nothing(client, signature):
    _, notification_id = _sms_in_flight(client)
    body = {"reference": reference_of(notification_id), "status": "delivered"}
    response = _receipt(client, body, signature=signature)
    assert response.status_code == 401 and response.json["code"] == 401
    assert _status(notification_id) == "sending"


def test_a_receipt_without_a_signature_header_is_401(client):
    response = client.post(RECEIPTS, json={"reference": "yh-n-1", "status": "delivered"})
    assert response.status_code == 401 and response.json["status"] == "Unauthorized"


def test_the_signature_covers_the_exact_bytes(client):
    _, notification_id = _sms_in_flight(client)
    raw = json.dumps({"reference": reference_of(notification_id), "status": "delivered"})
    signature = sign_body(SECRET, raw.encode())
    response = client.post(RECEIPTS, data=raw + " ", headers={
        "Content-Type": "application/json", "X-Signature": signature})  # fmt: skip
    assert response.status_code == 401


def test_a_receipt_for_no_such_sms_is_404(client):
    _, row = _arrived(client)  # an in-app row: not an SMS
    for reference in ("yh-n-999999", reference_of(row["id"]), "yh-n-999999999999"):
        response = _receipt(client, {"reference": reference, "status": "delivered"})
        assert response.status_code == 404, reference


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reference": "yh-n-1", "status": "read"}, "status"),
        ({"reference": "yh-n-1"}, "status"),
        ({"reference": "42", "status": "delivered"}, "reference"),
        ({"reference": "yh-n-x1", "status": "delivered"}, "reference"),
        ({"status": "delivered"}, "reference"),
    ],
)
def test_a_signed_receipt_with_a_bad_field_is_422_naming_it(client, body, field):
    response = _receipt(client, body)
    assert response.status_code == 422 and field in response.json["errors"], response.json


# A window's webhook

WEBHOOK = "/api/v1/windows/W03/webhook"
HOOK = {"url": "https://w03.example.cn/yanhu/hook", "secret": "s" * 16 + "-very-secret"}


@pytest.fixture
def no_webhook_left(client):
    """W03 without a webhook afterwards: windows are reference data, kept between tests."""
    yield
    Session.remove()
    session = Session()
    window = session.get(Window, "W03")
    window.webhook_url = window.webhook_secret = None
    session.commit()
    Session.remove()


@pytest.mark.usefixtures("no_webhook_left")
def test_only_admins_set_a_webhook(client):
    clerk = staff(client, "window_clerk", window="W03")
    assert client.put(WEBHOOK, json=HOOK, headers=auth(clerk)).status_code == 403
    assert client.put(WEBHOOK, json=HOOK).status_code == 401
    assert Session().get(Window, "W03").webhook_url is None


@pytest.mark.usefixtures("no_webhook_left")
def test_an_admin_sets_a_webhook_whose_secret_is_never_shown_and_the_change_is_recorded(client):
    admin = staff(client, "admin")
    response = client.put(WEBHOOK, json=HOOK, headers=auth(admin))
    assert response.status_code == 200, response.json
    assert response.json == {"window_code": "W03", "url": HOOK["url"], "has_secret": True}
    assert HOOK["secret"] not in response.get_data(as_text=True)
    window = Session().get(Window, "W03")
    assert (window.webhook_url, window.webhook_secret) == (HOOK["url"], HOOK["secret"])
    [event] = Session().scalars(select(AdminEvent)).all()
    assert (event.action, event.subject, event.actor_id) == (
        "set_window_webhook", "W03", user_id(admin),
    )  # fmt: skip
    assert event.data["url"] == HOOK["url"] and HOOK["secret"] not in json.dumps(event.data)


@pytest.mark.usefixtures("no_webhook_left")
def test_a_null_url_removes_the_webhook_and_its_secret(client):
    admin = staff(client, "admin")
    client.put(WEBHOOK, json=HOOK, headers=auth(admin))
    response = client.put(WEBHOOK, json={"url": None}, headers=auth(admin))
    assert response.status_code == 200
    assert response.json == {"window_code": "W03", "url": None, "has_secret": False}
    Session.remove()
    window = Session().get(Window, "W03")
    assert window.webhook_url is None and window.webhook_secret is None
    actions = Session().scalars(select(AdminEvent.action).order_by(AdminEvent.id)).all()
    assert actions == ["set_window_webhook", "remove_window_webhook"]


@pytest.mark.usefixtures("no_webhook_left")
def test_an_unknown_window_is_404(client):
    admin = staff(client, "admin")
    response = client.put("/api/v1/windows/W99/webhook", json=HOOK, headers=auth(admin))
    assert response.status_code == 404


@pytest.mark.usefixtures("no_webhook_left")
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**HOOK, "url": "ftp://w03.example.cn/hook"}, "url"),
        ({**HOOK, "url": "https://w03.example.cn/" + "a" * 500}, "url"),
        ({**HOOK, "url": "https://user:pass@w03.example.cn/hook"}, "url"),
        ({**HOOK, "secret": "short"}, "secret"),
        ({**HOOK, "secret": "s" * 129}, "secret"),
        ({"url": HOOK["url"]}, "secret"),
        ({"url": None, "secret": HOOK["secret"]}, "secret"),
        ({"secret": HOOK["secret"]}, "url"),
    ],
)
def test_a_bad_webhook_is_422_naming_the_field(client, body, field):
    admin = staff(client, "admin")
    response = client.put(WEBHOOK, json=body, headers=auth(admin))
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert Session().scalars(select(AdminEvent)).all() == []


# Template previews


def _preview(client, token, code="correction_requested", **body):
    return client.post(f"/api/v1/admin/templates/{code}/preview", json=body, headers=auth(token))


def test_a_preview_renders_the_newest_words_in_either_language(client):
    admin = staff(client, "admin")
    for language in ("zh", "en"):
        response = _preview(client, admin, language=language)
        assert response.status_code == 200, response.json
        shown = response.json
        assert (shown["code"], shown["language"]) == ("correction_requested", language)
        assert shown["version"] >= 1 and shown["subject"]
        assert "YH-20261127-7K3Q9DMX" in shown["subject"] + shown["text"]
    assert _preview(client, admin).json["language"] == "zh"  # the default


def test_a_preview_takes_the_callers_values(client):
    admin = staff(client, "admin")
    response = _preview(client, admin, values={"reference": "YH-PREVIEW-1"})
    assert "YH-PREVIEW-1" in response.json["subject"] + response.json["text"]


def test_a_preview_of_an_unknown_template_is_404(client):
    admin = staff(client, "admin")
    assert _preview(client, admin, code="no_such_notice").status_code == 404


def test_a_preview_with_an_unknown_placeholder_is_422_naming_it(client):
    admin = staff(client, "admin")
    response = _preview(client, admin, values={"id_number": "x"})
    assert response.status_code == 422 and "values.id_number" in response.json["errors"]


def test_a_preview_that_does_not_render_is_422(client):
    admin = staff(client, "admin")
    response = _preview(client, admin, values={"items": 7})  # the words loop over the items
    assert response.status_code == 422 and "values" in response.json["errors"]


def test_only_admins_preview(client):
    clerk = staff(client, "window_clerk", window="W03")
    assert _preview(client, clerk).status_code == 403
    assert _preview(client, staff(client, "admin"), language="fr").status_code == 422
