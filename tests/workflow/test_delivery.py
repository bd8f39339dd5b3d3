"""Dispatch and delivery against real local sinks: an SMTP server, an SMS provider stand-in and a
window's webhook receiver. The worker's steps run in-process here; tests/reliability runs them
in a real worker."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from config import TestConfig
from config.queues import TaskNames
from tests.factories import act, routed_case, run_dispatch, staff
from tests.sinks import SmsProviderStandIn, SmtpSink, WebhookReceiver
from workflow import transitions
from workflow.db import Session
from workflow.models import DeliveryAttempt, Notification, OutboxMessage, User, Window
from workflow.models._types import utcnow
from workflow.notifications import ACCOUNT_NOTICES, reference_of
from workflow.notifications.channels import Outcome, Result, channels_from_settings
from workflow.notifications.delivery import DeliveryPolicy, deliver, overdue, record_sms_receipt
from workflow.notifications.signatures import sign_webhook, signature_matches

POLICY = DeliveryPolicy(
    attempts=3, delay_seconds=0.0, max_delay_seconds=0.0, lease_seconds=60, quiet_hours=None
)
SECRET = "a-webhook-secret-of-some-length"


class _Settings(TestConfig):
    DELIVERY_TIMEOUT_SECONDS = 1.0


# Windows are reference data, kept between tests: a webhook set here is taken off again.
pytestmark = pytest.mark.usefixtures("no_webhooks_left")


@pytest.fixture
def sinks():
    with SmtpSink() as smtp, SmsProviderStandIn() as sms, WebhookReceiver() as hook:
        settings = _Settings()
        settings.SMTP_URL, settings.SMS_PROVIDER_URL = smtp.url, sms.url
        yield smtp, sms, hook, channels_from_settings(settings)


def _rows(**where) -> list[Notification]:
    """The case notices (not the accounts' code SMS) matching `where`."""
    rows = list(
        Session().scalars(
            select(Notification)
            .filter_by(**where)
            .where(Notification.kind.not_in(ACCOUNT_NOTICES))
            .order_by(Notification.id)
        )
    )
    Session.remove()
    return rows


def _with_webhook(url: str, window: str = "W03") -> None:
    session = Session()
    session.execute(
        update(Window).where(Window.code == window).values(webhook_url=url, webhook_secret=SECRET)
    )
    session.commit()
    Session.remove()


def _correction(client) -> tuple[int, int]:
    """A routed case whose applicant is asked to correct it: (case id, applicant id)."""
    clerk = staff(client, "window_clerk", window="W03")
    applicant, case_id = routed_case(client)
    run_dispatch()
    item = {"code": "copy", "message_zh": "身份证复印件不清晰", "message_en": "Unclear ID copy"}
    body = {"comment": "请补正", "items": [item]}
    assert act(client, clerk, case_id, "request_correction", **body).status_code == 200
    run_dispatch()
    applicant_id = Session().scalar(select(User.id).where(User.role == "applicant"))
    Session.remove()
    return case_id, applicant_id


def test_a_routed_case_reaches_the_window_on_every_channel_its_rules_name(client, sinks):
    smtp, _, hook, channels = sinks
    staff(client, "window_clerk", window="W03", email="clerk@w03.example.gov.cn")
    staff(client, "window_clerk", window="W03")  # no email address: no email row for them
    _with_webhook(hook.url)
    routed_case(client)
    assert run_dispatch() == {"in_app": 2, "email": 1, "webhook": 1}
    assert run_dispatch() == {}  # the dispatcher's message again: nothing more
    outgoing = [row.id for row in _rows() if row.channel != "in_app"]
    assert {row.status for row in _rows(channel="in_app")} == {"delivered"}
    results = deliver(outgoing, channels, POLICY)
    assert [r.status for r in results] == ["delivered", "delivered"]
    [mail] = smtp.messages
    assert mail.rcpt_tos == ["clerk@w03.example.gov.cn"]
    assert "YH-" in mail.message["Subject"]
    [request] = hook.requests
    stamp, signature = request.headers["x-yanhu-timestamp"], request.headers["x-yanhu-signature"]
    assert signature_matches(sign_webhook(SECRET, int(stamp), request.body), signature)
    payload = json.loads(request.body)
    assert payload["kind"] == "case_arrived" and payload["reference"].startswith("YH-")
    assert deliver(outgoing, channels, POLICY)[0].status is None  # final rows are not taken again
    assert len(smtp.messages) == 1 and len(hook.requests) == 1


def test_an_sms_waits_for_its_receipt_and_a_late_receipt_changes_nothing(client, sinks):
    _, sms, _, channels = sinks
    case_id, applicant_id = _correction(client)
    [row] = _rows(channel="sms")
    assert row.recipient == str(applicant_id) and row.status == "created"
    [result] = deliver([row.id], channels, POLICY)
    assert result.status == "sending"
    [sent] = sms.requests
    assert sent["reference"] == reference_of(row.id) and sent["to"].startswith("+86139")
    assert "需要补正" in sent["text"] and "- 身份证复印件不清晰" in sent["text"]
    [row] = _rows(channel="sms")
    assert row.sent_at is not None and row.provider_id == "sms-1"
    assert deliver([row.id], channels, POLICY)[0].status is None  # accepted: never resent
    assert record_sms_receipt(row.id, "delivered").status == "delivered"
    Session.remove()
    assert record_sms_receipt(row.id, "failed").status == "delivered"  # late, out of order
    Session.remove()


def test_temporary_answers_are_retried_with_the_same_reference_then_accepted(client, sinks):
    _, sms, _, channels = sinks
    sms.script = [503, 429]
    _correction(client)
    [row] = _rows(channel="sms")
    assert deliver([row.id], channels, POLICY)[0].retry_in == 0.0
    assert deliver([row.id], channels, POLICY)[0].retry_in == 0.0
    assert deliver([row.id], channels, POLICY)[0].status == "sending"
    assert {r["reference"] for r in sms.requests} == {reference_of(row.id)}
    assert len(sms.requests) == 3 and len(sms.accepted) == 1
    attempts = Session().scalars(
        select(DeliveryAttempt.outcome).where(DeliveryAttempt.notification_id == row.id)
        .order_by(DeliveryAttempt.number)
    ).all()  # fmt: skip
    Session.remove()
    assert attempts == ["temporary", "temporary", "accepted"]


def test_a_permanent_answer_fails_at_once_and_endless_temporary_ones_end_final(client, sinks):
    smtp, sms, _, channels = sinks
    sms.script = [400]
    _correction(client)
    [text_message] = _rows(channel="sms")
    assert deliver([text_message.id], channels, POLICY)[0].status == "permanent_failure"
    smtp.fail_next(451, count=10)
    staff(client, "window_clerk", window="W03", email="clerk@w03.example.gov.cn")
    routed_case(client)
    run_dispatch()
    [mail] = _rows(channel="email")
    statuses = [deliver([mail.id], channels, POLICY)[0].status for _ in range(POLICY.attempts)]
    assert statuses == ["sending", "sending", "temporary_failure"]
    assert deliver([mail.id], channels, POLICY)[0].status is None
    [mail] = _rows(id=mail.id)
    assert mail.finished_at is not None and mail.attempts == POLICY.attempts


def test_an_attempt_that_never_reported_back_is_resent_with_the_same_reference(client, sinks):
    _, sms, _, channels = sinks
    _correction(client)
    [row] = _rows(channel="sms")
    # A worker claimed it and died mid-send: the row is `sending`, its lease running.
    session = Session()
    session.execute(
        update(Notification)
        .where(Notification.id == row.id)
        .values(status="sending", attempts=1, next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    Session.remove()
    handed_over, ended = overdue()
    assert handed_over == [row.id] and ended == 0
    assert deliver(handed_over, channels, POLICY)[0].status == "sending"
    assert sms.requests[0]["reference"] == reference_of(row.id)
    assert _rows(id=row.id)[0].attempts == 2


class _OvertakenChannel:
    """Answers `delivered` only after the sweep handed the row to another worker, whose attempt
    ended it for good meanwhile."""

    name = "webhook"

    def __init__(self, notification_id: int) -> None:
        self.notification_id = notification_id

    def send(self, message) -> Result:
        with Session().get_bind().begin() as connection:
            connection.execute(
                update(Notification)
                .where(Notification.id == self.notification_id)
                .values(status="permanent_failure", attempts=2, finished_at=utcnow(),
                        next_attempt_at=None)
            )  # fmt: skip
        return Result(Outcome.DELIVERED, "smtp 250")


def test_an_answer_overtaken_by_a_later_attempt_leaves_its_final_status(client, sinks):
    _, _, hook, _ = sinks
    _with_webhook(hook.url)
    session = Session()
    row = Notification(
        source="test:overtaken", recipient_type="window", recipient="W03", channel="webhook",
        kind="broadcast", status="created", created_at=utcnow(), attempts=0,
        body={"audience": "window", "window": "W03", "subject": "s", "text": "t"},
    )  # fmt: skip
    session.add(row)
    session.commit()
    Session.remove()
    [result] = deliver([row.id], {"webhook": _OvertakenChannel(row.id)}, POLICY)
    assert result.status == "permanent_failure"
    [row] = _rows(id=row.id)
    assert (row.status, row.attempts) == ("permanent_failure", 2)


def test_a_receipt_that_never_comes_ends_the_sms_as_temporary_failure(client, sinks):
    _, _, _, channels = sinks
    _correction(client)
    [row] = _rows(channel="sms")
    deliver([row.id], channels, POLICY)
    session = Session()
    session.execute(
        update(Notification)
        .where(Notification.id == row.id)
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    Session.remove()
    assert overdue() == ([], 1)
    assert _rows(id=row.id)[0].status == "temporary_failure"


def test_without_servers_email_and_sms_are_files_under_the_outbox_directory(client, tmp_path):
    settings = _Settings()
    settings.OUTBOX_DIR = tmp_path
    channels = channels_from_settings(settings)
    _correction(client)
    [row] = _rows(channel="sms")
    deliver([row.id], channels, POLICY)
    deliver([row.id], channels, POLICY)
    [written] = list((tmp_path / "sms").iterdir())
    assert written.name == f"{reference_of(row.id)}.json"
    assert _rows(id=row.id)[0].status == "delivered"


def test_each_event_recipient_and_channel_has_one_row(client, sinks):
    _correction(client)
    run_dispatch()
    duplicates = Session().execute(
        select(Notification.event_id, Notification.recipient, Notification.channel, func.count())
        .group_by(Notification.event_id, Notification.recipient, Notification.channel)
        .having(func.count() > 1)
    ).all()  # fmt: skip
    Session.remove()
    assert duplicates == []


def test_the_workers_own_transitions_write_their_rows_as_they_commit(client, sinks):
    """In the worker the pre-check's notices are rows at once, the same rows the dispatcher
    would write, with no dispatcher message left behind."""
    transitions.write_notices_here()
    try:
        staff(client, "window_clerk", window="W03", email="clerk@w03.example.gov.cn")
        routed_case(client)
    finally:
        transitions.write_notices_here(False)
    waiting = Session().scalar(
        select(func.count()).where(OutboxMessage.task == TaskNames.DISPATCH_NOTIFICATIONS)
    )
    Session.remove()
    assert waiting == 0
    assert {(row.kind, row.channel) for row in _rows()} == {
        ("case_arrived", "in_app"), ("case_arrived", "email"), ("case_routed", "in_app"),
    }  # fmt: skip
