"""`python -m bench.accounts`: what accounts cost, in milliseconds.

- argon2id: one hash and one check with the settings' parameters (what every login and
  registration spends), and with argon2-cffi's defaults for comparison;
- the per-request token check: the one primary-key SELECT every authenticated request makes
  (user active, token_version, session not ended), on PostgreSQL, against an empty SELECT 1
  round trip, each inside an open transaction as in a request;
- one request limit counted in Redis (the submission's per-applicant limit), both strategies.

Uses a database of its own on the server of DATABASE_URL (yanhu_bench_accounts, dropped at the
end) and the Redis of CELERY_BROKER_URL (a few keys of its own, gone after the limit's 10 seconds).
"""

import json
import statistics
import time
from collections.abc import Callable

from argon2 import PasswordHasher
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from sqlalchemy import text

from bench.environment import (
    OUTPUT_DIR,
    BenchEnv,
    drop_named,
    migrate_and_seed,
    recreate_named,
    sibling_url,
)
from config import Config
from workflow import db
from workflow.models import User
from workflow.repositories.sessions import access_token_valid

ROUNDS = 2000
HASH_ROUNDS = 20


def _ms(call: Callable[[], object], rounds: int) -> float:
    """The median of `rounds` timings, in milliseconds."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return round(statistics.median(timings) * 1000, 3)


def argon2_figures() -> dict:
    ours = PasswordHasher(
        time_cost=Config.ARGON2_TIME_COST,
        memory_cost=Config.ARGON2_MEMORY_KIB,
        parallelism=Config.ARGON2_PARALLELISM,
    )
    figures = {}
    for name, hasher in (("settings", ours), ("argon2_cffi_default", PasswordHasher())):
        stored = hasher.hash("bench-password-1")
        figures[f"argon2_{name}_hash_ms"] = _ms(lambda h=hasher: h.hash("bench-password-1"),
                                                HASH_ROUNDS)  # fmt: skip
        figures[f"argon2_{name}_verify_ms"] = _ms(
            lambda h=hasher, s=stored: h.verify(s, "bench-password-1"), HASH_ROUNDS
        )
    return figures


def token_check_figures(env: BenchEnv) -> dict:
    url = sibling_url(env, "accounts")
    recreate_named(url)
    log_dir = OUTPUT_DIR / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    engine = None
    try:
        migrate_and_seed(env, log_dir, database_url=url, seed=False)
        engine = db.bind(url)
        session = db.Session()
        user = User(username="bench-check", password_hash="x", role="applicant", name="b")
        session.add(user)
        session.commit()
        user_id, version = user.id, user.token_version
        session.execute(text("SELECT 1"))  # a transaction is open, as in a request
        figures = {
            "select_1_ms": _ms(lambda: session.execute(text("SELECT 1")).scalar(), ROUNDS),
            "token_check_ms": _ms(
                lambda: access_token_valid(session, user_id, version, "f" * 32), ROUNDS
            ),
        }
        session.rollback()
        db.Session.remove()
        return figures
    finally:
        if engine is not None:
            engine.dispose()
        drop_named(url)


def limit_figures(env: BenchEnv) -> dict:
    storage = storage_from_string(env.broker_url)
    limit = parse_many(Config.RATE_LIMIT_SUBMISSION)[0]
    figures = {}
    for name, strategy in (("moving", MovingWindowRateLimiter), ("fixed", FixedWindowRateLimiter)):
        limiter = strategy(storage)
        figures[f"limit_{name}_window_ms"] = _ms(
            lambda lim=limiter, n=name: lim.hit(limit, f"bench-accounts-{n}", "user:1"), ROUNDS
        )
    return figures


if __name__ == "__main__":
    env = BenchEnv.from_environ()
    print(json.dumps({**argon2_figures(), **token_check_figures(env), **limit_figures(env)},
                     indent=2))  # fmt: skip
