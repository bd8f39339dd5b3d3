"""Notifications through the real worker process, to real local sinks: each message reaches its
sink once, also when the worker is killed in the middle of sending it."""

import os
import signal
import subprocess

import pytest
from sqlalchemy import select, update

from tests.conftest import TEST_VAR
from tests.factories import act, auth, register, staff, submit_ready
from tests.processes import CeleryWorker, wait_for
from tests.reliability.helpers import sweep_notifications
from tests.sinks import SmsProviderStandIn, SmtpSink, WebhookReceiver
from workflow.db import Session
from workflow.models import Notification, Window
from workflow.notifications import ACCOUNT_NOTICES, reference_of

SECRET = "a-webhook-secret-of-some-length"


# Windows are reference data, kept between tests: a webhook set here is taken off again.
pytestmark = pytest.mark.usefixtures("no_webhooks_left")


@pytest.fixture(scope="module")
def sinks():
    with SmtpSink() as smtp, SmsProviderStandIn() as sms, WebhookReceiver() as hook:
        yield smtp, sms, hook


@pytest.fixture(scope="module")
def notifying_worker(app, sinks):
    smtp, sms, _ = sinks
    process = CeleryWorker(
        TEST_VAR / "logs", env={"SMTP_URL": smtp.url, "SMS_PROVIDER_URL": sms.url}
    )
    process.start()
    yield process
    process.stop()


def _statuses(channel: str) -> list[str]:
    """Of the case notices on this channel (not the accounts' code SMS)."""
    rows = Session().scalars(
        select(Notification.status).where(
            Notification.channel == channel, Notification.kind.not_in(ACCOUNT_NOTICES)
        )
    )
    statuses = list(rows)
    Session.remove()
    return statuses


def test_the_worker_routes_a_case_and_tells_the_window_by_email_and_webhook(
    client, sinks, notifying_worker
):
    smtp, _, hook = sinks
    smtp.messages.clear(), hook.requests.clear()
    staff(client, "window_clerk", window="W05", email="clerk@w05.example.gov.cn")
    session = Session()
    session.execute(
        update(Window).where(Window.code == "W05").values(webhook_url=hook.url,
                                                         webhook_secret=SECRET)
    )  # fmt: skip
    session.commit()
    Session.remove()
    token, _ = register(client)
    submit_ready(client, token, "transport", "W05")
    wait_for(
        lambda: _statuses("email") == ["delivered"] and _statuses("webhook") == ["delivered"],
        60,
        message="the email and the webhook to be delivered",
    )
    assert len(smtp.messages) == 1 and len(hook.requests) == 1


def _sms_in_flight(client, sms, window: str) -> None:
    """A correction notice whose SMS the (slow) provider is receiving right now."""
    sms.forget()
    clerk = staff(client, "window_clerk", window=window)
    token, _ = register(client)
    # The account's code SMS goes first; the case's is the one in flight.
    wait_for(lambda: len(sms.accepted) == 1, 60, message="the code SMS to be sent")
    sms.forget()
    sms.hang_seconds = 3.0  # the provider is slow: the kill lands while the request is open
    case_id = submit_ready(client, token, "transport", window).json["id"]
    wait_for(lambda: _case_at_window(client, clerk, case_id), 60, message="the case to route")
    item = {"code": "x", "message_zh": "请补充材料", "message_en": "Add a document"}
    assert act(client, clerk, case_id, "request_correction", items=[item]).status_code == 200
    wait_for(lambda: len(sms.requests) >= 1, 60, message="the SMS to reach the provider")


def _assert_resent_once(app, sms) -> None:
    """Beat's sweep, until the resend is accepted: one reference, one message at the provider
    however often it was sent."""
    [row_id] = Session().scalars(
        select(Notification.id).where(
            Notification.channel == "sms", Notification.kind.not_in(ACCOUNT_NOTICES)
        )
    )
    Session.remove()

    def swept_and_accepted() -> bool:
        sweep_notifications(app)
        return _statuses("sms") == ["sending"] and _sent(row_id)

    wait_for(swept_and_accepted, 60, interval=0.5, message="the SMS to be resent and accepted")
    assert {request["reference"] for request in sms.requests} == {reference_of(row_id)}
    assert len(sms.accepted) == 1


def test_a_worker_killed_while_sending_leaves_one_message_at_the_provider(
    app, client, sinks, notifying_worker
):
    _, sms, _ = sinks
    _sms_in_flight(client, sms, "W06")
    notifying_worker.kill()
    sms.hang_seconds = 0.0
    notifying_worker.start()
    _assert_resent_once(app, sms)


def test_a_pool_child_killed_while_sending_leaves_one_message_at_the_provider(
    app, client, sinks, notifying_worker
):
    _, sms, _ = sinks
    _sms_in_flight(client, sms, "W07")
    # That child alone: the main process lives on and forks a new one.
    child = wait_for(lambda: _sending_child(notifying_worker, sms.port), 10, message="a sender")
    os.kill(child, signal.SIGKILL)
    sms.hang_seconds = 0.0
    _assert_resent_once(app, sms)


def _sent(row_id: int) -> bool:
    sent = Session().scalar(select(Notification.sent_at).where(Notification.id == row_id))
    Session.remove()
    return sent is not None


def _case_at_window(client, clerk, case_id) -> bool:
    shown = client.get(f"/api/v1/applications/{case_id}", headers=auth(clerk))
    return shown.status_code == 200 and shown.json["status"] == "at_window"


def _sending_child(worker: CeleryWorker, port: int) -> int | None:
    """The pool child with a connection open to the provider's port: the one sending (None
    between two attempts)."""
    children = subprocess.run(
        ["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    sockets = subprocess.run(
        ["ss", "-Htnp", "state", "established", "dst", f"127.0.0.1:{port}"],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    sending = [int(child) for child in children if f"pid={child}," in sockets]
    return sending[0] if len(sending) == 1 else None
