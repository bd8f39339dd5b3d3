"""Faults around delivery, with the real worker: a window's webhook that is down, a provider that
answers 503 for a while, a broker that lost the queued deliveries, and two sweeps at once. In
each case every message reaches its sink once, or ends in a final failure; nothing stays stuck."""

import pytest
from sqlalchemy import func, select, update

from tests.conftest import TEST_VAR
from tests.factories import (
    act,
    register,
    run_dispatch,
    run_precheck,
    staff,
    submit_ready,
    user_id,
)
from tests.processes import CeleryWorker, wait_for
from tests.reliability.helpers import sweep_notifications
from tests.sinks import SmsProviderStandIn, WebhookReceiver
from workflow.actors import Actor
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.models import Application, Notification, Window
from workflow.models._types import utcnow
from workflow.notifications import ACCOUNT_NOTICES, FINAL, reference_of
from workflow.services.notification_admin import send_broadcast

SECRET = "a-webhook-secret-of-some-length"


@pytest.fixture(scope="module")
def sinks():
    with (
        SmsProviderStandIn() as sms,
        WebhookReceiver() as good,
        WebhookReceiver(script=[500] * 1000) as down,
    ):
        yield sms, good, down


@pytest.fixture(scope="module")
def faulty_worker(app, sinks):
    sms, _, _ = sinks
    process = CeleryWorker(TEST_VAR / "logs", env={"SMS_PROVIDER_URL": sms.url})
    process.start()
    yield process
    process.stop()


# Windows are reference data, kept between tests: a webhook set here is taken off again.
pytestmark = pytest.mark.usefixtures("no_webhooks_left")


def _statuses(**where) -> dict[str, int]:
    rows = Session().execute(
        select(Notification.status, func.count())
        .filter_by(**where)
        .group_by(Notification.status)
    ).all()  # fmt: skip
    Session.remove()
    return dict(rows)


def _account_sms() -> set[str]:
    """The references of the accounts' code SMS, which the provider gets too."""
    ids = (
        Session()
        .scalars(select(Notification.id).where(Notification.kind.in_(ACCOUNT_NOTICES)))
        .all()
    )
    Session.remove()
    return {reference_of(notification_id) for notification_id in ids}


def test_one_windows_webhook_down_leaves_the_other_22_unaffected(client, sinks, faulty_worker):
    _, good, down = sinks
    good.requests.clear()
    session = Session()
    session.execute(update(Window).values(webhook_url=good.url, webhook_secret=SECRET))
    session.execute(update(Window).where(Window.code == "W01").values(webhook_url=down.url))
    session.commit()
    Session.remove()
    admin = staff(client, "admin")
    sent = send_broadcast(Actor(user_id(admin), Role.ADMIN), "notice", {"subject_zh": "通知",
                                                                    "text_zh": "内容"})  # fmt: skip
    source = f"broadcast:{sent.id}"
    wait_for(lambda: _statuses(source=source, channel="webhook").get("delivered") == 22, 60,
             message="22 webhooks delivered")  # fmt: skip
    wait_for(
        lambda: (
            _statuses(source=source, recipient="W01", channel="webhook") == {"temporary_failure": 1}
        ),
        60,
        message="W01's webhook to fail for good after its retries",
    )
    assert len(good.requests) == 22
    references = {request.headers["x-yanhu-reference"] for request in down.requests}
    assert len(references) == 1 and len(down.requests) >= 3  # the same message, retried


def _at_window(client, sms, script: list[int]) -> int:
    """A new applicant's case, routed by the worker (not in-process: the two would race). The
    provider gets the account's code SMS first; `script` then scripts its answers to the case's."""
    token, _ = register(client)
    wait_for(lambda: _account_sms() <= set(sms.accepted), 60, message="the code SMS to be sent")
    sms.requests.clear()
    sms.script = list(script)
    case_id = submit_ready(client, token, "transport", "W03").json["id"]

    def routed() -> bool:
        status = Session().scalar(select(Application.status).where(Application.id == case_id))
        Session.remove()
        return status == "at_window"

    wait_for(routed, 60, message="the worker to route the case")
    return case_id


def _applicant_sms(client, clerk, sms, script: list[int]) -> int:
    case_id = _at_window(client, sms, script)
    item = {"code": "copy", "message_zh": "复印件不清晰", "message_en": "Unclear copy"}
    assert act(client, clerk, case_id, "request_correction", items=[item]).status_code == 200

    def the_row():  # each look in its own short transaction: SQLite's writer must get in
        row_id = Session().scalar(
            select(Notification.id).where(
                Notification.channel == "sms", Notification.application_id == case_id
            )
        )
        Session.remove()
        return row_id

    return wait_for(the_row, 60, message="the SMS row to be written")


def test_an_sms_provider_answering_503_for_a_while_gets_the_message_once(
    client, sinks, faulty_worker
):
    sms, _, _ = sinks
    sms.forget()
    clerk = staff(client, "window_clerk", window="W03")
    row_id = _applicant_sms(client, clerk, sms, script=[503, 503])
    wait_for(lambda: reference_of(row_id) in sms.accepted, 60, message="the SMS accepted")
    assert [r["reference"] for r in sms.requests] == [reference_of(row_id)] * 3
    assert _statuses(id=row_id) == {"sending": 1}  # accepted: the receipt will end it


def test_deliveries_the_broker_lost_are_sent_by_the_sweep_and_two_sweeps_send_once(
    app, client, sinks, faulty_worker
):
    sms, _, _ = sinks
    sms.forget()
    faulty_worker.stop()  # the deliveries wait in the broker ...
    clerk = staff(client, "window_clerk", window="W03")
    token, _ = register(client)
    case_id = submit_ready(client, token, "transport", "W03").json["id"]
    run_precheck()  # in-process: the worker is down
    item = {"code": "copy", "message_zh": "复印件不清晰", "message_en": "Unclear copy"}
    assert act(client, clerk, case_id, "request_correction", items=[item]).status_code == 200
    run_dispatch()  # in-process: the worker is down
    app.extensions["celery"].control.purge()  # ... and the broker comes back empty
    session = Session()
    session.execute(update(Notification).values(next_attempt_at=utcnow()))  # grace over
    session.commit()
    [row_id] = session.scalars(
        select(Notification.id).where(
            Notification.channel == "sms", Notification.kind.not_in(ACCOUNT_NOTICES)
        )
    )
    Session.remove()
    faulty_worker.start()
    sweep_notifications(app)
    sweep_notifications(app)  # a second beat at the same moment
    wait_for(lambda: reference_of(row_id) in sms.accepted, 60, message="the SMS resent")
    wait_for(lambda: set(_statuses(channel="sms")) <= FINAL | {"sending"}, 30, message="settled")
    codes = _account_sms()
    assert [reference for reference in sms.accepted if reference not in codes] == [
        reference_of(row_id)
    ]
