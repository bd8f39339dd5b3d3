"""When a message may go: quiet hours for an applicant's SMS, each channel's rate limit, and the
window's call when an applicant's SMS finally fails."""

import datetime as dt

import pytest
from sqlalchemy import select

from config import LOCAL_TIMEZONE, TestConfig
from tests.factories import act, routed_case, run_dispatch, staff
from tests.sinks import SmsProviderStandIn
from workflow.db import Session
from workflow.models import Alert, Notification, WindowTask
from workflow.notifications import ACCOUNT_NOTICES
from workflow.notifications.channels import channels_from_settings
from workflow.notifications.delivery import DeliveryPolicy, deliver
from workflow.notifications.pacing import ChannelLimits, QuietHours, quiet_for


def _beijing(hour: int, minute: int = 0, day: int = 27) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=LOCAL_TIMEZONE)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (_beijing(21, 59), None),
        (_beijing(22, 0), _beijing(8, day=28)),
        (_beijing(23, 30), _beijing(8, day=28)),
        (_beijing(3, 0), _beijing(8, day=27)),
        (_beijing(7, 59), _beijing(8, day=27)),
        (_beijing(8, 0), None),
        (_beijing(12, 0), None),
    ],
)
def test_quiet_hours_run_from_22_to_8_beijing_whatever_the_server_zone(now, until):
    held = QuietHours().held_until(now.astimezone(dt.UTC))
    assert held == (until.astimezone(dt.UTC) if until else None)


def test_a_quiet_spell_that_does_not_wrap_midnight():
    quiet = QuietHours(start=13, end=14)
    assert quiet.held_until(_beijing(12, 59)) is None
    assert quiet.held_until(_beijing(13, 30)) == _beijing(14).astimezone(dt.UTC)


def test_only_an_applicants_sms_is_held():
    assert quiet_for("sms", "applicant")
    assert not quiet_for("sms", "heads") and not quiet_for("email", "applicant")


@pytest.mark.parametrize("store", ["memory://", "redis://127.0.0.1:6379/14"])
def test_a_channel_gives_out_its_rate_and_then_says_how_long_to_wait(store):
    channel = f"sms-{dt.datetime.now().timestamp()}"  # a fresh key in a shared store
    limits = ChannelLimits({channel: 3}, store)
    assert [limits.wait(channel) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert 0 < limits.wait(channel) <= 1.0
    assert limits.wait("email") == 0.0  # no limit set for it


def _applicant_sms(client) -> int:
    clerk = staff(client, "window_clerk", window="W03")
    _, case_id = routed_case(client)
    item = {"code": "copy", "message_zh": "复印件不清晰", "message_en": "Unclear copy"}
    assert act(client, clerk, case_id, "request_correction", items=[item]).status_code == 200
    run_dispatch()
    [row_id] = Session().scalars(
        select(Notification.id).where(
            Notification.channel == "sms", Notification.kind.not_in(ACCOUNT_NOTICES)
        )
    )
    Session.remove()
    return row_id


def _channels(sms_url: str):
    settings = TestConfig()
    settings.SMS_PROVIDER_URL = sms_url
    return channels_from_settings(settings)


def test_an_applicants_sms_in_quiet_hours_is_held_without_using_an_attempt(client):
    now_hour = dt.datetime.now(LOCAL_TIMEZONE).hour
    always_now = QuietHours(start=now_hour, end=(now_hour + 1) % 24)
    policy = DeliveryPolicy(attempts=3, delay_seconds=0, quiet_hours=always_now)
    with SmsProviderStandIn() as sms:
        row_id = _applicant_sms(client)
        [held] = deliver([row_id], _channels(sms.url), policy)
        assert held.status is None and sms.requests == []
        row = Session().get(Notification, row_id)
        assert row.attempts == 0 and row.status == "created"
        assert row.not_before == row.next_attempt_at and row.not_before > dt.datetime.now(dt.UTC)
        Session.remove()
        assert deliver([row_id], _channels(sms.url), policy)[0].status is None  # still held


def test_a_rate_limited_message_waits_its_turn_without_using_an_attempt(client):
    policy = DeliveryPolicy(attempts=3, delay_seconds=0, quiet_hours=None,
                            limits=ChannelLimits({"sms": 1}))  # fmt: skip
    policy.limits.wait("sms")  # the one slot of this second is taken
    with SmsProviderStandIn() as sms:
        row_id = _applicant_sms(client)
        [waiting] = deliver([row_id], _channels(sms.url), policy)
        assert waiting.status is None and 0 < waiting.retry_in <= 1.0 and sms.requests == []
        assert Session().get(Notification, row_id).attempts == 0
        Session.remove()


def test_an_applicants_sms_that_finally_fails_gives_the_window_a_call_to_make(client):
    policy = DeliveryPolicy(attempts=3, delay_seconds=0, quiet_hours=None)
    with SmsProviderStandIn(script=[400]) as sms:
        row_id = _applicant_sms(client)
        assert deliver([row_id], _channels(sms.url), policy)[0].status == "permanent_failure"
    [task] = Session().scalars(select(WindowTask)).all()
    assert (task.window_code, task.kind, task.notification_id) == ("W03", "call_applicant", row_id)
    assert task.application_id is not None and task.done_at is None
    [alert] = Session().scalars(select(Alert)).all()  # and admins are told it did not arrive
    assert (alert.kind, alert.subject) == ("notification_failed", f"yh-n-{row_id}")
    assert "permanent_failure" in alert.message and "139" not in alert.message
    Session.remove()
