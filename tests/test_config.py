"""Settings: production refuses to start without its secrets; the test broker default is a trap."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import config
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


def _embedded(monkeypatch, var: Path, secret_key: str | None = None):
    monkeypatch.setattr(config, "VAR", var)
    monkeypatch.setattr(config.EmbeddedConfig, "SECRET_KEY", secret_key)
    return config.EmbeddedConfig()


def test_the_embedded_default_makes_its_own_signing_key_once_readable_by_its_owner_only(
    monkeypatch, tmp_path
):
    first = _embedded(monkeypatch, tmp_path / "var")
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.SECRET_KEY == key_file.read_text() and len(first.SECRET_KEY) >= 48
    # The next start (another process, a restart) signs with the same key.
    assert _embedded(monkeypatch, tmp_path / "var").SECRET_KEY == first.SECRET_KEY
    # Another installation gets another key.
    assert _embedded(monkeypatch, tmp_path / "other").SECRET_KEY != first.SECRET_KEY


def test_the_embedded_default_makes_its_own_personal_data_keys_once(monkeypatch, tmp_path):
    from workflow.personal_data import parse_keys

    monkeypatch.setattr(config.EmbeddedConfig, "PERSONAL_DATA_KEYS", None)
    monkeypatch.setattr(config.EmbeddedConfig, "PERSONAL_DATA_HASH_KEY", None)
    first = _embedded(monkeypatch, tmp_path / "var")
    for name in ("personal_data_key", "personal_data_hash_key"):
        assert (tmp_path / "var" / name).stat().st_mode & 0o777 == 0o600
    parse_keys(first.PERSONAL_DATA_KEYS, first.PERSONAL_DATA_HASH_KEY)  # well-formed
    again = _embedded(monkeypatch, tmp_path / "var")
    assert (again.PERSONAL_DATA_KEYS, again.PERSONAL_DATA_HASH_KEY) == (
        first.PERSONAL_DATA_KEYS, first.PERSONAL_DATA_HASH_KEY,
    )  # fmt: skip


def test_a_secret_key_from_the_environment_wins_and_no_file_is_made(monkeypatch, tmp_path):
    settings = _embedded(monkeypatch, tmp_path, secret_key="k" * 40)
    assert settings.SECRET_KEY == "k" * 40
    assert not (tmp_path / "secret_key").exists()


def test_no_signing_key_is_built_into_the_code():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    code = "import config; print(config.Config.SECRET_KEY)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "None"


def test_demo_accounts_only_in_the_embedded_default_without_a_database_url(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert _embedded(monkeypatch, tmp_path).DEMO_ACCOUNTS is True
    monkeypatch.setenv("DATABASE_URL", "sqlite:////somewhere/else.sqlite")
    assert _embedded(monkeypatch, tmp_path).DEMO_ACCOUNTS is False
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/yanhu")
    assert _embedded(monkeypatch, tmp_path).DEMO_ACCOUNTS is False
