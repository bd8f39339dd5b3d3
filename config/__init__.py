"""Settings, one class per environment, chosen by the APP_ENV variable.

This package imports nothing of ours: every other layer may read it.
"""

import base64
import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("YANHU_VAR_DIR", ROOT / "var"))
SEED_DIR = ROOT / "seed"
# What the service writes (SQLite databases, the embedded broker, outbox messages, beat's
# schedule) may hold personal data: every process creates files 0o600 and directories 0o700.
PRIVATE_UMASK = 0o077
# Working days and reference dates are local; storage is UTC.
LOCAL_TIMEZONE = ZoneInfo("Asia/Shanghai")


def embedded_secret(path: Path, make=lambda: secrets.token_urlsafe(48)) -> str:
    """One of the embedded default's own secrets (the signing key, the personal-data keys): made
    on first run, readable by its owner only, kept under var/ so it survives a restart and no
    secret ever lives in the repository."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = make()
        try:
            # O_EXCL: of two processes starting at once, one writes and the other reads its key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as file:
            file.write(key)
        return key


def _random_key() -> str:
    """32 random bytes, base64: a personal-data key (workflow/personal_data.py)."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


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
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR / 'yanhu.sqlite'}")
    CELERY_BROKER_URL = os.environ.get(
        "CELERY_BROKER_URL", f"sqla+sqlite:///{VAR / 'broker.sqlite'}"
    )
    # Demo staff accounts are seeded only where this is true: the embedded default on its own
    # SQLite file (never with DATABASE_URL set, never in production).
    DEMO_ACCOUNTS = False
    # Access tokens are short; a refresh token (opaque, stored hashed, rotated on every use)
    # gets the next one.
    ACCESS_TOKEN_TTL_SECONDS = int(os.environ.get("ACCESS_TOKEN_TTL_SECONDS", 15 * 60))
    REFRESH_TOKEN_TTL_SECONDS = int(os.environ.get("REFRESH_TOKEN_TTL_SECONDS", 14 * 86400))
    # argon2id for passwords, OWASP's 46 MiB / 1 pass / 1 lane: about 45 ms a hash or a check
    # on this 2-core machine (`make bench-accounts`), where argon2-cffi's default (64 MiB,
    # 3 passes, 4 lanes) took 100-160 ms. Hashes made with other parameters are redone at the
    # next successful login.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 46 * 1024
    ARGON2_PARALLELISM = 1
    # An applicant's phone is confirmed by a 6-digit code sent to it by SMS: valid so long, and
    # void after so many wrong tries (a new one is asked for by registering again or resending).
    PHONE_CODE_TTL_SECONDS = int(os.environ.get("PHONE_CODE_TTL_SECONDS", 10 * 60))
    PHONE_CODE_WRONG_TRIES = int(os.environ.get("PHONE_CODE_WRONG_TRIES", 5))
    # Consecutive failed logins before an account is locked, and for how long: the first lock
    # lasts LOGIN_LOCK_SECONDS, each next one twice the last, at most LOGIN_LOCK_MAX_SECONDS.
    LOGIN_LOCK_AFTER = 5
    LOGIN_LOCK_SECONDS = 60
    LOGIN_LOCK_MAX_SECONDS = 3600
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
    # A draft nobody has changed for this many days expires (the applicant is told).
    DRAFT_EXPIRY_DAYS = int(os.environ.get("DRAFT_EXPIRY_DAYS", 90))
    # After one failed publish a process stops publishing inline for this long and leaves it to
    # the relay, so a hung or dead broker costs one request a short timeout, not every request.
    PUBLISH_BREAKER_SECONDS = 10.0
    BROKER_TIMEOUT_SECONDS = 1.0
    MAX_CONTENT_LENGTH = 256 * 1024
    # Deeper JSON is refused before it is decoded: Python's decoder recurses once a level.
    JSON_MAX_DEPTH = 32
    # How many reverse proxies stand in front of the API (each adds to X-Forwarded-For); 0 when
    # clients connect directly.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    # Origins allowed to call the API from a browser, e.g. "https://rencai.yanhu.gov.cn";
    # none by default, so no page elsewhere can read a response with someone's token.
    CORS_ORIGINS = tuple(
        filter(None, (o.strip() for o in os.environ.get("CORS_ORIGINS", "").split(",")))
    )
    # /docs and /openapi.json; API_DOCS=off takes them down (404) where they should not be public.
    API_DOCS_ENABLED = os.environ.get("API_DOCS", "on").strip().lower() not in ("off", "0", "false")
    # Uploaded documents: kept under random names in DOCUMENTS_DIR (never served as a folder),
    # each at most DOCUMENT_MAX_BYTES (the upload endpoint's own limit; JSON keeps the one above)
    # and, for images, at most DOCUMENT_MAX_PIXELS (a larger one is a decompression bomb).
    DOCUMENTS_DIR = Path(os.environ.get("DOCUMENTS_DIR", VAR / "documents"))
    DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    DOCUMENT_MAX_PIXELS = 40_000_000
    # Personal data of a closed case is kept this many days after its last change, then erased
    # and its statistics kept (workflow/services/retention.py). Five years: the longest service
    # commitment a subsidy may be reclaimed under.
    RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", 5 * 365 + 1))

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
    REQUEST_LIMITS_IN_BROKER = True
    # Request limits (limits' notation, "10/15minute;100/day"), counted where the channel rates
    # are. Login per account is tight (guessing one password), per address loose (a window's
    # PCs share one); registration must let a kiosk or an employer enrol 60+ people an hour;
    # submissions let an applicant file all eight policies at once but not a burst of copies.
    RATE_LIMIT_LOGIN_ACCOUNT = os.environ.get("RATE_LIMIT_LOGIN_ACCOUNT", "10/15minute")
    RATE_LIMIT_LOGIN_ADDRESS = os.environ.get("RATE_LIMIT_LOGIN_ADDRESS", "200/15minute")
    RATE_LIMIT_REGISTER_ADDRESS = os.environ.get("RATE_LIMIT_REGISTER_ADDRESS", "120/hour")
    RATE_LIMIT_SUBMISSION = os.environ.get("RATE_LIMIT_SUBMISSION", "10/10second;60/hour")
    # For the one-time codes sent by SMS, per phone number (api.throttling.one_time_code_per_phone).
    RATE_LIMIT_ONE_TIME_CODE_PHONE = os.environ.get(
        "RATE_LIMIT_ONE_TIME_CODE_PHONE", "1/minute;5/hour"
    )

    # Identity numbers and phones are stored sealed (workflow/personal_data.py): keys as
    # "id:base64,id:base64" (the first seals, all open; `flask --app api rotate-keys` reseals
    # with the first) and the lookup hash's own key. Unset in the embedded default: generated
    # into var/ on first run. Make a key with `flask --app api new-key`.
    PERSONAL_DATA_KEYS = os.environ.get("PERSONAL_DATA_KEYS") or None
    PERSONAL_DATA_HASH_KEY = os.environ.get("PERSONAL_DATA_HASH_KEY") or None

    # flask-smorest / OpenAPI
    API_TITLE = "Yanhu Talent Service"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    # Swagger UI at /docs is served by api/docs_assets.py, from files on this machine.


class EmbeddedConfig(Config):
    """No servers to install: SQLite under var/ and a SQLite-backed broker, unless overridden."""

    def __init__(self) -> None:
        self.SECRET_KEY = self.SECRET_KEY or embedded_secret(VAR / "secret_key")
        if not (self.PERSONAL_DATA_KEYS and self.PERSONAL_DATA_HASH_KEY):
            key = embedded_secret(VAR / "personal_data_key", _random_key)
            self.PERSONAL_DATA_KEYS = f"e1:{key}"
            hash_key = embedded_secret(VAR / "personal_data_hash_key", _random_key)
            self.PERSONAL_DATA_HASH_KEY = hash_key
        # Demo accounts (with a password printed on the screen) only in the self-contained
        # SQLite default: a database named by DATABASE_URL is somebody's real one.
        self.DEMO_ACCOUNTS = not os.environ.get("DATABASE_URL")


class ProductionConfig(Config):
    ENV = "production"

    def __init__(self) -> None:
        missing = [
            name
            for name in (
                "SECRET_KEY",
                "DATABASE_URL",
                "CELERY_BROKER_URL",
                "PERSONAL_DATA_KEYS",
                "PERSONAL_DATA_HASH_KEY",
            )  # fmt: skip
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
    # Fixed, so a test can seal with one and open with the other (rotation).
    PERSONAL_DATA_KEYS = (
        "t2:dGVzdC1wZXJzb25hbC1kYXRhLWtleS10d28tMzJieXQ=,"
        "t1:dGVzdC1wZXJzb25hbC1kYXRhLWtleS1vbmUtMzJieXQ="
    )
    PERSONAL_DATA_HASH_KEY = "dGVzdC1wZXJzb25hbC1kYXRhLWhhc2gta2V5LTMyYnk="
    DATABASE_URL = os.environ.get("TEST_DATABASE_URL", f"sqlite:///{VAR / 'test.sqlite'}")
    CELERY_BROKER_URL = os.environ.get("TEST_BROKER_URL", "you-forgot-to-pick-a-test-broker://")
    OUTBOX_GRACE_SECONDS = 1
    # Cheap hashing keeps the suite fast; tests of rehashing set their own parameters.
    ARGON2_MEMORY_KIB = 1024
    # Request limits are counted in this process (each test starts from zero) unless
    # RATE_LIMIT_STORAGE_URL names a store; generous, since the suite logs in hundreds of times
    # from one address. Tests of the limits set tighter ones.
    REQUEST_LIMITS_IN_BROKER = False
    RATE_LIMIT_LOGIN_ACCOUNT = "1000/minute"
    RATE_LIMIT_LOGIN_ADDRESS = "100000/minute"
    RATE_LIMIT_REGISTER_ADDRESS = "100000/minute"
    RATE_LIMIT_SUBMISSION = "100000/minute"
    RATE_LIMIT_ONE_TIME_CODE_PHONE = "1000/minute"
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
