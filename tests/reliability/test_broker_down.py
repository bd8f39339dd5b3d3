"""Redis down while a case is submitted: the request succeeds, the outbox holds the work, and the
case is routed exactly once when Redis is back. On a private Redis, so nothing else is disturbed."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from api import bind_background_work, create_app
from config import TestConfig
from tests.conftest import BACKEND, TEST_VAR
from tests.factories import register, submit_ready
from tests.processes import CeleryWorker, PrivateRedis, wait_for
from tests.reliability.helpers import (
    assert_each_case_prechecked_exactly_once,
    messages_settled,
    relay_until_done,
    statuses,
)
from tests.sinks import SmsProviderStandIn
from workflow.db import Session

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="the SQLite default has no server")


@pytest.fixture
def redis_server():
    server = PrivateRedis(TEST_VAR / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_on_private_redis(app, clean, redis_server):
    settings = TestConfig()
    settings.CELERY_BROKER_URL = redis_server.url
    private_app = create_app(settings)
    yield private_app
    bind_background_work(app)  # the process's publisher and notes back on the suite's broker


@pytest.fixture
def private_worker(app_on_private_redis, redis_server):
    """A real worker on the private Redis."""
    worker = CeleryWorker(TEST_VAR / "logs", env={"TEST_BROKER_URL": redis_server.url})
    worker.start()
    yield worker
    redis_server.resume()  # a test may have left it paused
    worker.stop()
    Session.remove()


def test_submission_while_redis_is_down_is_routed_once_redis_is_back(
    app_on_private_redis, redis_server, private_worker
):
    client = app_on_private_redis.test_client()
    token, _ = register(client)
    wait_for(messages_settled, 30, message="the code SMS to be sent")  # not in flight below
    redis_server.stop()
    responses = [
        submit_ready(client, token, policy, "W10") for policy in ("transport", "housing")
    ]  # fmt: skip
    case_ids = [r.json["id"] for r in responses]
    assert {statuses()[case_id] for case_id in case_ids} == {"submitted"}
    redis_server.start()  # the same port, empty: whatever was queued before is gone
    relay_until_done(app_on_private_redis, timeout=90)
    assert {statuses()[case_id] for case_id in case_ids} == {"at_window"}
    assert_each_case_prechecked_exactly_once(case_ids)


def test_redis_lost_while_a_task_runs_leaves_the_worker_running(app_on_private_redis, redis_server):
    # The code SMS of a registration keeps a delivery running (its message unacknowledged) at a
    # provider that does not answer, while Redis goes away and comes back empty.
    with SmsProviderStandIn(hang_seconds=30) as sms:
        worker = CeleryWorker(
            TEST_VAR / "logs",
            env={"TEST_BROKER_URL": redis_server.url, "SMS_PROVIDER_URL": sms.url},
        )
        worker.start()
        try:
            client = app_on_private_redis.test_client()
            token, _ = register(client)
            wait_for(lambda: sms.requests, 30, interval=0.005, message="the code SMS to be sending")
            redis_server.stop()
            redis_server.start()
            response = submit_ready(client, token, "transport", "W12")
            relay_until_done(app_on_private_redis, timeout=60)
            assert worker.process.poll() is None, worker.log()[-3000:]
            assert statuses()[response.json["id"]] == "at_window"
        finally:
            worker.stop()
            Session.remove()


def test_a_hung_redis_does_not_hold_up_requests(app_on_private_redis, redis_server, private_worker):
    client = app_on_private_redis.test_client()
    token, _ = register(client)
    wait_for(messages_settled, 30, message="the code SMS to be sent")
    redis_server.pause()
    # Liveness, not speed: the request must come back at all while Redis answers nothing.
    with ThreadPoolExecutor(1) as pool:
        response = pool.submit(submit_ready, client, token, "transport", "W11").result(timeout=20)
    assert response.status_code == 200
    redis_server.resume()
    relay_until_done(app_on_private_redis, timeout=90)
    assert statuses()[response.json["id"]] == "at_window"
    assert_each_case_prechecked_exactly_once([response.json["id"]])


def test_readiness_reports_the_broker_down(app_on_private_redis, redis_server):
    client = app_on_private_redis.test_client()
    assert client.get("/readyz").status_code == 200
    redis_server.stop()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["broker"].startswith("unavailable")
    wait_for(lambda: client.get("/healthz").status_code == 200, 5)
