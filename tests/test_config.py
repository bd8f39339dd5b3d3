"""Settings: production refuses to start without its secrets; the test broker default is a trap."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ProductionConfig, get_config

ROOT = Path(__file__).resolve().parent.parent


PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 40,
    "DATABASE_URL": "postgresql+psycopg://db/yanhu",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "PERSONAL_DATA_KEYS": "k1:" + "a" * 43 + "=",
    "PERSONAL_DATA_HASH_KEY": "b" * 43 + "=",
}


@pytest.fixture
def production_env(monkeypatch):
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_names_each_missing_variable(monkeypatch, production_env, missing):
    monkeypatch.delenv(missing)
    with pytest.raises(RuntimeError, match=missing):
        ProductionConfig()


def test_production_refuses_a_short_secret(monkeypatch, production_env):
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="32 characters"):
        ProductionConfig()


def test_production_with_an_sms_provider_needs_its_own_receipt_secret(monkeypatch, production_env):
    monkeypatch.setenv("SMS_PROVIDER_URL", "https://sms.example.cn/send")
    monkeypatch.delenv("SMS_CALLBACK_SECRET", raising=False)
    with pytest.raises(RuntimeError, match="SMS_CALLBACK_SECRET"):
        ProductionConfig()
    monkeypatch.setenv("SMS_CALLBACK_SECRET", "s" * 32)
    ProductionConfig()


def test_production_never_seeds_demo_accounts():
    assert ProductionConfig.DEMO_ACCOUNTS is False


def test_an_unknown_environment_is_refused():
    with pytest.raises(RuntimeError, match="APP_ENV"):
        get_config("staging")


def test_without_a_chosen_broker_the_test_config_points_at_none():
    # A fresh interpreter: the suite's own process has TEST_BROKER_URL set by conftest.
    env = {k: v for k, v in os.environ.items() if k != "TEST_BROKER_URL"}
    code = "import config; print(config.TestConfig.CELERY_BROKER_URL)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "you-forgot-to-pick-a-test-broker://"
