"""Request limits (Flask-Limiter), counted in Redis in production so every process shares them,
and in the process itself in the embedded default and the tests unless a store is named.

Each limit is a setting read on every request, so an environment (or a test) sets its own.
A refused request is a 429 in the one error envelope, with Retry-After.
"""

import time
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from api.auth.tokens import signed_user_id
from api.errors import envelope
from config import Config
from workflow.personal_fields import normalise_phone

limiter = Limiter(key_func=get_remote_address, strategy="moving-window")


def storage_url(settings: Config) -> str:
    """RATE_LIMIT_STORAGE_URL, else the broker when it is Redis (and the environment counts
    there), else this process's memory."""
    if settings.RATE_LIMIT_STORAGE_URL:
        return settings.RATE_LIMIT_STORAGE_URL
    broker = settings.CELERY_BROKER_URL
    in_broker = settings.REQUEST_LIMITS_IN_BROKER and broker.startswith(("redis://", "rediss://"))
    return broker if in_broker else "memory://"


def init_throttling(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    app.config["RATELIMIT_STORAGE_URI"] = storage_url(settings)
    app.config["RATELIMIT_KEY_PREFIX"] = "yanhu-limits"
    # Redis down or hung must not stop logins and submissions (the database is the source of
    # truth, Redis only counts): a short timeout, then each process counts in its own memory
    # and tries Redis again after 1, 2, 4 ... seconds.
    timeout = settings.BROKER_TIMEOUT_SECONDS
    app.config["RATELIMIT_STORAGE_OPTIONS"] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
    }
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(_error: RateLimitExceeded):
        response = envelope(429, "Too many requests; please wait before trying again.")
        breached = limiter.current_limit
        wait = breached.reset_at - time.time() if breached else 1
        # reset_at is rounded up to the next whole second already
        response.headers["Retry-After"] = str(max(1, int(wait)))
        return response


def setting(name: str) -> Callable[[], str]:
    """A limit read from the app's settings at each request."""
    return lambda: current_app.config[name]


def _login_account() -> str:
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    return f"account:{username.strip().lower()}" if isinstance(username, str) else ""


def _applicant() -> str:
    # No database here: Flask-Limiter takes any error of a key function for its store failing.
    user_id = signed_user_id()
    return f"user:{user_id}" if user_id is not None else ""  # "": not counted; the view says 401


def _phone() -> str:
    body = request.get_json(silent=True)
    phone = body.get("phone") if isinstance(body, dict) else None
    if not isinstance(phone, str):
        return ""
    # One count per number however it is written (+86 or not).
    return f"phone:{normalise_phone(phone.strip()) or phone.strip()}"


# Only failed logins count against the account: a person who keeps logging in is not refused.
login_per_account = limiter.limit(
    setting("RATE_LIMIT_LOGIN_ACCOUNT"),
    key_func=_login_account,
    deduct_when=lambda response: response.status_code == 401,
)
login_per_address = limiter.limit(setting("RATE_LIMIT_LOGIN_ADDRESS"))
register_per_address = limiter.limit(setting("RATE_LIMIT_REGISTER_ADDRESS"))
submission_per_applicant = limiter.limit(setting("RATE_LIMIT_SUBMISSION"), key_func=_applicant)
# For the endpoints that send one-time codes by SMS (registering, resending): limits the codes
# sent to one number, counted together across them.
one_time_code_per_phone = limiter.shared_limit(
    setting("RATE_LIMIT_ONE_TIME_CODE_PHONE"), scope="one-time-code", key_func=_phone
)
