"""Broadcasts and the morning digest: one task per window, each window's rows written once."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, update

from config import LOCAL_TIMEZONE, TestConfig
from config.celery import celery_settings
from config.queues import TaskNames
from tasks import notifications as notification_tasks
from tests.factories import routed_case, staff, user_id
from workflow.actors import Actor
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.models import Notification, OutboxMessage, Window
from workflow.notifications.delivery import DeliveryPolicy
from workflow.notifications.windows import DIGEST_FROM, _fan_out, notify_window, start_digest
from workflow.publisher import publish_grouped
from workflow.repositories.calendar import load_calendar
from workflow.services.notification_admin import send_broadcast

WORDS = {"subject_zh": "新版购房补贴政策发布", "text_zh": "自 2027 年 1 月 1 日起施行。"}

EIGHT_HOURS = dt.timedelta(hours=8)  # Beijing, all year
POLICY = DeliveryPolicy(quiet_hours=None)  # claims the rows the windows' tasks write


# Windows are reference data, kept between tests: a webhook set here is taken off again.
pytestmark = pytest.mark.usefixtures("no_webhooks_left")


def _window_messages() -> list[int]:
    ids = list(
        Session().scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.task == TaskNames.NOTIFY_WINDOW, OutboxMessage.processed_at.is_(None)
            )
        )
    )
    Session.remove()
    return ids


def _count(**where) -> int:
    count = Session().scalar(select(func.count()).select_from(Notification).filter_by(**where))
    Session.remove()
    return count


def _admin(client) -> Actor:
    token = staff(client, "admin")
    return Actor(user_id(token), Role.ADMIN)


def test_a_broadcast_is_one_task_per_window_and_one_row_per_recipient(client):
    staff(client, "window_clerk", window="W07", email="clerk@w07.example.gov.cn")
    session = Session()
    session.execute(
        update(Window).where(Window.code == "W07").values(
            webhook_url="http://127.0.0.1:9/hook", webhook_secret="s" * 20)
    )  # fmt: skip
    session.commit()
    Session.remove()
    sent = send_broadcast(_admin(client), "policy_version", WORDS)
    messages = _window_messages()
    assert len(messages) == 23
    published = []
    publish_grouped(
        lambda task, ids: published.append(ids), [(TaskNames.NOTIFY_WINDOW, m) for m in messages]
    )
    assert published == [[m] for m in messages]  # each window its own task
    for message in messages:
        notify_window([message], POLICY)
    source = f"broadcast:{sent.id}"
    session = Session()
    _fan_out(session, source, "broadcast")  # the fan-out again: 23 more tasks
    session.commit()
    Session.remove()
    again = _window_messages()
    assert len(again) == 23
    for message in again:
        notify_window([message], POLICY)
    assert _count(source=source, channel="in_app") == 23
    assert _count(source=source, channel="email") == 1
    assert _count(source=source, channel="webhook") == 1
    [note] = Session().scalars(
        select(Notification).where(Notification.source == source, Notification.recipient == "W07",
                                   Notification.channel == "in_app"))  # fmt: skip
    assert note.body["subject"] == WORDS["subject_zh"] and note.application_id is None
    Session.remove()


def test_only_an_admin_broadcasts(client):
    token = staff(client, "window_clerk", window="W01")
    with pytest.raises(Exception, match="admin"):
        send_broadcast(Actor(user_id(token), Role.WINDOW_CLERK, "W01"), "notice", WORDS)


def _working_and_not() -> tuple[dt.date, dt.date]:
    calendar = load_calendar(Session())
    Session.remove()
    day = dt.date(2026, 11, 23)
    days = [day + dt.timedelta(days=n) for n in range(14)]
    working = next(d for d in days if calendar.is_working_day(d))
    resting = next(d for d in days if not calendar.is_working_day(d))
    return working, resting


def test_the_digest_runs_on_working_days_and_counts_each_windows_cases(client):
    working, resting = _working_and_not()
    assert start_digest(resting) == 0 and _window_messages() == []
    routed_case(client, window="W03")
    routed_case(client, window="W03")
    assert start_digest(working) == 23
    assert start_digest(working) == 0  # a later ask, or a second beat: started already
    assert len(_window_messages()) == 23
    for message in _window_messages():
        notify_window([message], POLICY)
    source = f"digest:{working.isoformat()}"
    assert _count(source=source, channel="in_app") == 23
    [note] = Session().scalars(
        select(Notification).where(Notification.source == source, Notification.recipient == "W03")
    )
    assert "待受理 2 件" in note.body["text"] and working.isoformat() in note.body["subject"]
    Session.remove()


def test_beat_asks_for_the_digest_through_the_morning_and_it_starts_once(clean, monkeypatch):
    entry = celery_settings(TestConfig())["beat_schedule"]["daily-digest"]["schedule"]
    asks = sorted(
        (dt.datetime(2026, 11, 23, hour, minute, tzinfo=dt.UTC) + EIGHT_HOURS).time()
        for hour in entry.hour
        for minute in entry.minute
    )
    assert asks[0] <= DIGEST_FROM and asks[-1] >= dt.time(11, 30)
    working, _ = _working_and_not()

    def ask_at(hour: int, minute: int) -> dict:
        beijing = dt.datetime.combine(working, dt.time(hour, minute), tzinfo=LOCAL_TIMEZONE)
        monkeypatch.setattr(notification_tasks, "utcnow", lambda: beijing.astimezone(dt.UTC))
        return notification_tasks.start_daily_digest.run()

    assert ask_at(8, 25) == {"windows": 0} and _window_messages() == []
    # The 08:30 ask was lost (broker down): the next one starts the day's digest, once.
    assert ask_at(8, 35) == {"windows": 23}
    assert ask_at(8, 40) == {"windows": 0}
    assert len(_window_messages()) == 23


def test_two_beats_asking_at_once_start_the_digest_once(clean):
    working, _ = _working_and_not()
    together = threading.Barrier(2)

    def ask() -> int:
        together.wait()
        try:
            return start_digest(working)
        finally:
            Session.remove()

    with ThreadPoolExecutor(2) as pool:
        told = sorted(pool.map(lambda _: ask(), range(2)))
    assert told == [0, 23]
    assert len(_window_messages()) == 23
