"""A whole case, from registration to rating, through the API and the real worker: the
applicant's identity number, phone and name never appear in a log line, a broker message or an
error body. The logs are the API's (captured here) and the worker's (its log file); the broker
messages are every command Redis receives on the test database (MONITOR)."""

import logging
import random
import re
import threading

import pytest
from redis import Redis
from sqlalchemy import select

from config.queues import TaskNames
from tests.conftest import BACKEND, REDIS_URL
from tests.factories import PASSWORD, act, id_number, sent_code, staff, submit_ready
from tests.processes import wait_for
from tests.reliability.helpers import statuses
from workflow.db import Session
from workflow.models import Notification
from workflow.notifications import FINAL, PHONE_CODE
from workflow.repositories.reference import get_user_by_phone

# The broker messages are read off Redis (MONITOR).
pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="the broker is Redis")


def sent(phone: str) -> bool:
    """Whether the worker is done with the phone's code SMS (and logged its work)."""
    session = Session()
    user = get_user_by_phone(session, phone)
    row = session.scalars(
        select(Notification).where(
            Notification.recipient == str(user.id), Notification.kind == PHONE_CODE
        )
    ).first()
    status = row.status
    Session.remove()
    return status in FINAL


OUR_LOGGERS = ("api", "workflow", "tasks", "celery", "kombu", "werkzeug", "gunicorn")


class BrokerTap:
    """Every command Redis receives for our database, as text, until stopped."""

    def __init__(self, url: str) -> None:
        self.redis = Redis.from_url(url)
        self.db = self.redis.connection_pool.connection_kwargs.get("db", 0)
        self.commands: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)

    def _listen(self) -> None:
        with self.redis.monitor() as monitor:
            while not self._stop.is_set():
                entry = monitor.next_command()
                if int(entry.get("db", -1)) == self.db:
                    self.commands.append(entry["command"])

    def __enter__(self) -> "BrokerTap":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.redis.ping()  # one more command wakes the listener, which then sees the flag
        self._thread.join(timeout=5)
        self.redis.close()


def _person() -> dict:
    """Values no other test uses, so a hit can only be this applicant's."""
    rng = random.Random()
    return {
        "phone": f"13{rng.randrange(10**9):09d}",
        "id_number": id_number(rng.randrange(1000), birth=f"19{rng.randrange(70, 99)}0512"),
        "name": "".join(rng.choice("欧阳慕容诸葛司马上官皇甫令狐") for _ in range(4)),
    }


def test_a_whole_case_leaves_no_personal_data_in_logs_broker_messages_or_errors(
    client, worker, caplog
):
    for name in OUR_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    person = _person()
    personal = [person["id_number"], person["phone"], person["name"]]
    bodies = []  # every error body the applicant's details could have been echoed in
    with BrokerTap(REDIS_URL) as tap:
        registered = client.post("/api/v1/auth/register", json={**person, "password": PASSWORD})
        assert registered.status_code == 202, registered.json
        code = sent_code(person["phone"])
        confirm = "/api/v1/auth/confirm-phone"
        wrong_code = f"{(int(code) + 1) % 10**6:06d}"
        wrong = client.post(confirm, json={"phone": person["phone"], "code": wrong_code})
        confirmed = client.post(confirm, json={"phone": person["phone"], "code": code})
        assert wrong.status_code == 400 and confirmed.status_code == 200, confirmed.json
        token = confirmed.json["access_token"]
        again = client.post("/api/v1/auth/register", json={**person, "password": PASSWORD})
        bad = client.post("/api/v1/auth/register", json={**person, "phone": person["phone"] + "x",
                                                         "password": PASSWORD})  # fmt: skip
        bodies += [wrong.get_data(as_text=True), again.get_data(as_text=True),
                   bad.get_data(as_text=True)]  # fmt: skip
        assert again.status_code == 202 and bad.status_code == 422

        case_id = submit_ready(client, token, "transport", "W08").json["id"]
        wait_for(lambda: statuses()[case_id] == "at_window", 60, message="the case to route")

        clerk = staff(client, "window_clerk", window="W08")
        reviewer = staff(client, "reviewer", department="transport")
        item = {"code": "x", "message_zh": "请补充材料", "message_en": "Add a document"}
        assert act(client, clerk, case_id, "request_correction", items=[item]).status_code == 200
        assert act(client, token, case_id, "resubmit").status_code == 200
        wait_for(lambda: statuses()[case_id] == "at_window", 60, message="the case to return")
        assert act(client, clerk, case_id, "accept").status_code == 200
        assert act(client, reviewer, case_id, "approve_step").status_code == 200
        assert act(client, clerk, case_id, "conclude").status_code == 200
        assert act(client, token, case_id, "rate", rating=5).status_code == 200
        wait_for(lambda: "succeeded" in worker.log(), 30, message="the worker's work")
        wait_for(lambda: sent(person["phone"]), 30, message="the code SMS to be delivered")

    logs = caplog.text + worker.log()
    broker = "\n".join(tap.commands)
    assert broker, "the tap saw no broker traffic: it was not listening"
    assert TaskNames.PRECHECK_APPLICATIONS in logs  # the worker's log was read
    for secret in personal:
        assert secret not in logs, f"{secret!r} in a log line"
        assert secret not in broker, f"{secret!r} in a broker message"
        for text in bodies:
            assert secret not in text, f"{secret!r} in an error body"
    # The one-time code, as a number of its own (not a run of digits inside a longer one).
    alone = re.compile(rf"(?<![0-9]){code}(?![0-9])")
    for text in (logs, broker, *bodies):
        assert not alone.search(text), "the one-time code left its SMS"
