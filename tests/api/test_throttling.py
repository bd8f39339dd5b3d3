"""Request limits: 429 in the error envelope with Retry-After, per account, per address, per
applicant; and the allowances the defaults must keep (60 registrations an hour from one
address, all eight policies filed at once)."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api import bind_background_work, create_app
from config import Config, TestConfig
from tests.factories import PASSWORD, auth, id_number, register, submit, valid_form

LOGIN = "/api/v1/auth/login"
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def limits(app, monkeypatch):
    """Sets limits on the running app: they are read from its settings at every request."""

    def set_limit(name: str, value: str) -> None:
        monkeypatch.setitem(app.config, name, value)

    return set_limit


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _assert_throttled(response, window_seconds: int = 60) -> None:
    assert response.status_code == 429
    assert response.json["code"] == 429 and response.json["status"] == "Too Many Requests"
    assert window_seconds - 5 <= int(response.headers["Retry-After"]) <= window_seconds


def test_failed_logins_for_one_account_are_limited_and_the_answer_says_when_to_retry(
    client, limits
):
    limits("RATE_LIMIT_LOGIN_ACCOUNT", "3/minute")
    register(client, 301)
    wrong = {"username": "13900000301", "password": "wrong-password"}
    assert [client.post(LOGIN, json=wrong).status_code for _ in range(3)] == [401] * 3
    _assert_throttled(client.post(LOGIN, json=wrong))
    # The right password too: the account is throttled, not the guess.
    _assert_throttled(client.post(LOGIN, json={**wrong, "password": PASSWORD}))
    # Another account from the same address is not.
    register(client, 302)
    other = {"username": "13900000302", "password": PASSWORD}
    assert client.post(LOGIN, json=other).status_code == 200


def test_successful_logins_do_not_count_against_the_account(client, limits):
    limits("RATE_LIMIT_LOGIN_ACCOUNT", "3/minute")
    register(client, 303)
    right = {"username": "13900000303", "password": PASSWORD}
    assert [client.post(LOGIN, json=right).status_code for _ in range(6)] == [200] * 6


def test_logins_from_one_address_are_limited_whatever_the_account(client, limits):
    register(client, 304)
    limits("RATE_LIMIT_LOGIN_ADDRESS", "4/minute")
    right = {"username": "13900000304", "password": PASSWORD}
    answers = [client.post(LOGIN, json=right, **_from("10.0.0.1")).status_code for _ in range(4)]
    assert answers == [200] * 4
    _assert_throttled(client.post(LOGIN, json=right, **_from("10.0.0.1")))
    assert client.post(LOGIN, json=right, **_from("10.0.0.2")).status_code == 200


def _registration(seq: int) -> dict:
    return {"phone": f"139{seq:08d}", "password": PASSWORD, "name": "批量",
            "id_number": id_number(seq)}  # fmt: skip


def test_the_default_lets_a_kiosk_register_sixty_people_an_hour(client, limits):
    limits("RATE_LIMIT_REGISTER_ADDRESS", Config.RATE_LIMIT_REGISTER_ADDRESS)
    answers = [
        client.post("/api/v1/auth/register", json=_registration(400 + n), **_from("10.0.0.3"))
        for n in range(60)
    ]
    assert [answer.status_code for answer in answers] == [202] * 60


def test_registrations_from_one_address_are_limited(client, limits):
    limits("RATE_LIMIT_REGISTER_ADDRESS", "2/hour")
    for n in range(2):
        response = client.post("/api/v1/auth/register", json=_registration(500 + n))
        assert response.status_code == 202
    _assert_throttled(client.post("/api/v1/auth/register", json=_registration(502)), 3600)


def test_the_default_lets_an_applicant_file_all_eight_policies_at_once(client, limits):
    limits("RATE_LIMIT_SUBMISSION", Config.RATE_LIMIT_SUBMISSION)
    token, _ = register(client)
    policies = client.get("/api/v1/policies").json
    assert len(policies) == 8
    started = time.monotonic()
    for policy in policies:
        response = submit(client, token, policy["code"], "W02", valid_form(policy))
        assert response.status_code == 201, (policy["code"], response.json)
    assert time.monotonic() - started < 10  # all inside the default's shortest window


def test_a_burst_of_duplicate_submissions_is_cut_short(client, limits):
    limits("RATE_LIMIT_SUBMISSION", Config.RATE_LIMIT_SUBMISSION)
    token, _ = register(client)
    form = valid_form(client.get("/api/v1/policies/transport").json)
    answers = [submit(client, token, "transport", "W01", form) for _ in range(30)]
    codes = [answer.status_code for answer in answers]
    assert codes.count(201) == 10 and codes.count(429) == 20
    _assert_throttled(answers[-1], 10)
    # Another applicant is not held up by the first one's burst.
    other, _ = register(client)
    assert submit(client, other, "transport", "W01", form).status_code == 201


def test_a_submission_without_a_token_is_still_401_not_a_limit(client, limits):
    limits("RATE_LIMIT_SUBMISSION", "1/minute")
    body = {"policy_code": "transport", "window_code": "W01", "form": {}}
    for _ in range(3):
        response = client.post("/api/v1/applications", json=body, headers=auth("garbage"))
        assert response.status_code == 401


UNREACHABLE_STORE = """
import json, time
from api import create_app
from config import TestConfig

class Settings(TestConfig):
    RATE_LIMIT_STORAGE_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    RATE_LIMIT_LOGIN_ADDRESS = "2/minute"

client = create_app(Settings()).test_client()
started = time.monotonic()
codes = [
    client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x" * 8}).status_code
    for _ in range(4)
]
print(json.dumps({"codes": codes, "seconds": time.monotonic() - started}))
"""


def test_requests_go_on_counted_in_memory_when_the_limit_store_is_unreachable(app):
    # Its own process: the limiter is bound once per process, to the suite's app here.
    result = subprocess.run(
        [sys.executable, "-c", UNREACHABLE_STORE],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["codes"] == [401, 401, 429, 429]  # still limited, in the process's memory
    assert answer["seconds"] < 10


@pytest.fixture
def behind_a_proxy(app, clean):
    """The API as deployed behind one reverse proxy (TRUSTED_PROXIES=1)."""
    settings = TestConfig()
    settings.TRUSTED_PROXIES = 1
    settings.RATE_LIMIT_REGISTER_ADDRESS = "2/hour"
    proxied = create_app(settings)
    yield proxied.test_client()
    bind_background_work(app)  # the process's publisher and notes back on the suite's broker


def test_behind_a_proxy_each_forwarded_client_has_its_own_address_limit(behind_a_proxy):
    def register_from(client_address: str, seq: int) -> int:
        body = {"phone": f"139{seq:08d}", "password": PASSWORD, "name": "测试申请人",
                "id_number": id_number(seq)}  # fmt: skip
        headers = {"X-Forwarded-For": client_address}
        return behind_a_proxy.post(
            "/api/v1/auth/register", json=body, headers=headers, **_from("10.0.0.1")
        ).status_code

    assert [register_from("203.0.113.7", seq) for seq in (401, 402, 403)] == [202, 202, 429]
    assert register_from("203.0.113.8", 404) == 202  # another client, the same proxy


def test_without_trusted_proxies_a_forwarded_address_is_ignored(client, limits):
    limits("RATE_LIMIT_REGISTER_ADDRESS", "2/hour")
    statuses = []
    for seq, forwarded in ((411, "203.0.113.1"), (412, "203.0.113.2"), (413, "203.0.113.3")):
        body = {"phone": f"139{seq:08d}", "password": PASSWORD, "name": "测试申请人",
                "id_number": id_number(seq)}  # fmt: skip
        response = client.post(
            "/api/v1/auth/register", json=body, headers={"X-Forwarded-For": forwarded},
            **_from("10.0.0.2"),
        )  # fmt: skip
        statuses.append(response.status_code)
    assert statuses == [202, 202, 429]
