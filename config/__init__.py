"""Settings, one class per environment, chosen by the APP_ENV variable.

This package imports nothing of ours: every other layer may read it.
"""

import os
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("YANHU_VAR_DIR", ROOT / "var"))
SEED_DIR = ROOT / "seed"
# Working days and reference dates are local; storage is UTC.
LOCAL_TIMEZONE = ZoneInfo("Asia/Shanghai")


def _rates(text: str) -> dict[str, int]:
    """ "email=20,sms=10" -> {"email": 20, "sms": 10}; a malformed entry stops the start."""
    rates = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        channel, _, rate = entry.partition("=")
        if not rate.strip().isdigit() or int(rate) < 1:
            raise RuntimeError(f"CHANNEL_RATE_PER_SECOND: bad entry {entry!r} (channel=number)")
        rates[channel.strip()] = int(rate)
    return rates


class Config:
    """What every environment shares; the defaults are the embedded ones."""

    ENV = "embedded"
    SECRET_KEY = os.environ.get("SECRET_KEY", "embedded-default-key-not-a-secret-change-me")
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR / 'yanhu.sqlite'}")
    CELERY_BROKER_URL = os.environ.get(
        "CELERY_BROKER_URL", f"sqla+sqlite:///{VAR / 'broker.sqlite'}"
    )
    # Demo staff accounts are seeded only where this is true (never in production).
    DEMO_ACCOUNTS = True
    ACCESS_TOKEN_TTL_SECONDS = 12 * 3600
    # The relay republishes an outbox row nobody has processed after this long: it covers a
    # broker that was down at commit time, a crash between commit and publish, and a broker
    # restarted empty.
    OUTBOX_GRACE_SECONDS = 30
    OUTBOX_RELAY_INTERVAL_SECONDS = 5.0
    OUTBOX_MAX_ATTEMPTS = 8
    # A case whose automatic step raises is retried alone this many times, the first after the
    # delay and each next one after twice the last; then it is parked (needs_attention).
    AUTOMATIC_STEP_ATTEMPTS = 5
    AUTOMATIC_STEP_RETRY_SECONDS = 2.0
    # Beat runs the deadline sweep (warnings, escalations, expiries) this often.
    DEADLINE_SWEEP_INTERVAL_SECONDS = 60.0
    # After one failed publish a process stops publishing inline for this long and leaves it to
    # the relay, so a hung or dead broker costs one request a short timeout, not every request.
    PUBLISH_BREAKER_SECONDS = 10.0
    BROKER_TIMEOUT_SECONDS = 1.0
    MAX_CONTENT_LENGTH = 256 * 1024
    # Uploaded documents: kept under random names in DOCUMENTS_DIR (never served as a folder),
    # each at most DOCUMENT_MAX_BYTES (the upload endpoint's own limit; JSON keeps the one above)
    # and, for images, at most DOCUMENT_MAX_PIXELS (a larger one is a decompression bomb).
    DOCUMENTS_DIR = Path(os.environ.get("DOCUMENTS_DIR", VAR / "documents"))
    DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    DOCUMENT_MAX_PIXELS = 40_000_000

    # Notifications. With SMTP_URL / SMS_PROVIDER_URL unset, email and SMS are written as files
    # under OUTBOX_DIR (one a message) for a person to read.
    SMTP_URL = os.environ.get("SMTP_URL") or None
    SMS_PROVIDER_URL = os.environ.get("SMS_PROVIDER_URL") or None
    SMS_CALLBACK_SECRET = os.environ.get("SMS_CALLBACK_SECRET", "embedded-sms-callback-secret")
    OUTBOX_DIR = VAR / "outbox"
    DELIVERY_TIMEOUT_SECONDS = 5.0
    # A message is tried this many times, the first retry after DELIVERY_RETRY_SECONDS and each
    # next one after twice the last (at most DELIVERY_RETRY_MAX_SECONDS); then its status is final.
    DELIVERY_ATTEMPTS = 5
    DELIVERY_RETRY_SECONDS = 10.0
    DELIVERY_RETRY_MAX_SECONDS = 600.0
    # An attempt that has not reported back after this long (its worker died mid-send) is tried
    # again, with the same reference; a message never handed to a worker is sent after it too.
    DELIVERY_LEASE_SECONDS = 120.0
    # An SMS the provider accepted without a receipt after this long ends as temporary_failure.
    SMS_RECEIPT_TIMEOUT_SECONDS = 72 * 3600
    NOTIFICATION_SWEEP_INTERVAL_SECONDS = 30.0
    # Beijing hours (from, until) in which SMS to applicants are held, then sent; None: never.
    SMS_QUIET_HOURS: tuple[int, int] | None = (22, 8)
    # Messages a second per channel, over all workers, below the providers' own limits, e.g.
    # CHANNEL_RATE_PER_SECOND="email=20,sms=10,webhook=50". Counted in Redis when the broker is
    # Redis (or in RATE_LIMIT_STORAGE_URL), else in each worker process.
    CHANNEL_RATE_PER_SECOND = _rates(os.environ.get("CHANNEL_RATE_PER_SECOND",
                                                    "email=20,sms=10,webhook=50"))  # fmt: skip
    RATE_LIMIT_STORAGE_URL = os.environ.get("RATE_LIMIT_STORAGE_URL") or None

    # flask-smorest / OpenAPI
    API_TITLE = "Yanhu Talent Service"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    # Served by the API itself (api/docs_assets.py): /docs works without reaching the internet.
    OPENAPI_SWAGGER_UI_URL = "/docs/assets/"


class EmbeddedConfig(Config):
    """No servers to install: SQLite under var/ and a SQLite-backed broker, unless overridden."""


class ProductionConfig(Config):
    ENV = "production"
    DEMO_ACCOUNTS = False

    def __init__(self) -> None:
        missing = [
            name
            for name in ("SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL")
            if not os.environ.get(name)
        ]
        if missing:
            raise RuntimeError(f"production needs these variables set: {', '.join(missing)}")
        if len(os.environ["SECRET_KEY"]) < 32:
            raise RuntimeError("SECRET_KEY must be at least 32 characters (it signs access tokens)")
        # Receipts signed with the embedded placeholder could be forged by anyone who read it.
        if (
            os.environ.get("SMS_PROVIDER_URL")
            and len(os.environ.get("SMS_CALLBACK_SECRET", "")) < 32
        ):
            raise RuntimeError(
                "SMS_PROVIDER_URL needs SMS_CALLBACK_SECRET, at least 32 characters (it checks"
                " the provider's delivery receipts)"
            )


class TestConfig(Config):
    """The suite picks its stores with TEST_DATABASE_URL / TEST_BROKER_URL (see tests/conftest.py).

    The broker default is deliberately unreachable, so a test that publishes without asking for a
    real broker fails loudly instead of talking to whatever happens to run on the machine.
    """

    ENV = "test"
    SECRET_KEY = "test-secret-key-of-sufficient-length-123"
    DATABASE_URL = os.environ.get("TEST_DATABASE_URL", f"sqlite:///{VAR / 'test.sqlite'}")
    CELERY_BROKER_URL = os.environ.get("TEST_BROKER_URL", "you-forgot-to-pick-a-test-broker://")
    DEMO_ACCOUNTS = False
    OUTBOX_GRACE_SECONDS = 1
    OUTBOX_RELAY_INTERVAL_SECONDS = 0.5
    AUTOMATIC_STEP_ATTEMPTS = 3
    AUTOMATIC_STEP_RETRY_SECONDS = 0.2
    PUBLISH_BREAKER_SECONDS = 1.0
    SMS_CALLBACK_SECRET = "test-sms-callback-secret"
    OUTBOX_DIR = VAR / "test" / "outbox"
    DOCUMENTS_DIR = Path(os.environ.get("TEST_DOCUMENTS_DIR", VAR / "test" / "documents"))
    DELIVERY_TIMEOUT_SECONDS = 1.0
    DELIVERY_ATTEMPTS = 3
    DELIVERY_RETRY_SECONDS = 0.2
    DELIVERY_RETRY_MAX_SECONDS = 1.0
    DELIVERY_LEASE_SECONDS = 2.0
    SMS_QUIET_HOURS = None  # tests of quiet hours set their own clock


ENVIRONMENTS = {
    "embedded": EmbeddedConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def get_config(name: str | None = None) -> Config:
    """The settings object for APP_ENV (or `name`); embedded when nothing is set."""
    name = name or os.environ.get("APP_ENV", "embedded")
    try:
        return ENVIRONMENTS[name]()
    except KeyError:
        raise RuntimeError(f"APP_ENV must be one of {sorted(ENVIRONMENTS)}, not {name!r}") from None
