"""Where the benchmark runs: the database and broker URLs, and preparing them.

With DATABASE_URL / CELERY_BROKER_URL unset the bench owns its stores: it creates (and at the end
drops) the database BENCH_DATABASE_NAME (yanhu_bench) and flushes BENCH_BROKER_URL (Redis db 14).
Stores handed to it are never dropped or flushed; the bench only adds rows and keys of its own to
them. Two benches on one machine (two checkouts) each set their own pair, or they drop and flush
each other's.

The in-process measurements use databases of their own on the same server, named
<BENCH_DATABASE_NAME>_<purpose> (never the test suite's yanhu_test*): see `sibling_url`.
"""

import base64
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
from psycopg import sql
from sqlalchemy.engine import make_url

from workflow import personal_data

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
OUTPUT_DIR = ROOT / "var" / "bench"
DATABASE_NAME = os.environ.get("BENCH_DATABASE_NAME") or "yanhu_bench"
DEFAULT_DATABASE_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE_NAME}"
DEFAULT_BROKER_URL = os.environ.get("BENCH_BROKER_URL") or "redis://127.0.0.1:6379/14"
# Fixed, unlike the signing key: the queue databases are kept between runs, sealed values and all.
PERSONAL_DATA_KEYS = "b1:" + base64.b64encode(b"yanhu-bench-personal-data-key-01").decode()
PERSONAL_DATA_HASH_KEY = base64.b64encode(b"yanhu-bench-personal-data-hash-1").decode()
# The load generator is a few applicants submitting back to back from one address for minutes:
# the request limits are still counted on every request (in Redis, as in production) but set
# out of reach, and access tokens outlast the run.
BENCH_LIMITS = {
    "RATE_LIMIT_SUBMISSION": "1000000/second",
    "RATE_LIMIT_REGISTER_ADDRESS": "1000000/second",
    "RATE_LIMIT_LOGIN_ADDRESS": "1000000/second",
    "RATE_LIMIT_LOGIN_ACCOUNT": "1000000/second",
    "ACCESS_TOKEN_TTL_SECONDS": "3600",
}


@dataclass(frozen=True)
class BenchEnv:
    database_url: str
    broker_url: str
    secret_key: str
    owns_database: bool
    owns_broker: bool

    @classmethod
    def from_environ(cls) -> "BenchEnv":
        database_url = os.environ.get("DATABASE_URL")
        broker_url = os.environ.get("CELERY_BROKER_URL")
        return cls(
            database_url=database_url or DEFAULT_DATABASE_URL,
            broker_url=broker_url or DEFAULT_BROKER_URL,
            secret_key=secrets.token_hex(20),  # 40 characters, new every run
            owns_database=not database_url,
            owns_broker=not broker_url,
        )

    @property
    def libpq_url(self) -> str:
        return libpq(self.database_url)

    def server_env(self) -> dict[str, str]:
        """What every subprocess (migrations, seed, API, bare app, worker) runs with."""
        return {
            **os.environ,
            "APP_ENV": "production",
            "SECRET_KEY": self.secret_key,
            "PERSONAL_DATA_KEYS": PERSONAL_DATA_KEYS,
            "PERSONAL_DATA_HASH_KEY": PERSONAL_DATA_HASH_KEY,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "PYTHONUNBUFFERED": "1",
            **BENCH_LIMITS,
        }

    def use_personal_data_keys(self) -> None:
        """This process seals and opens with the servers' keys (applicants inserted here)."""
        personal_data.use(personal_data.parse_keys(PERSONAL_DATA_KEYS, PERSONAL_DATA_HASH_KEY))

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.broker_url)


def recreate_database(env: BenchEnv) -> None:
    if env.owns_database:
        recreate_named(env.database_url)


def drop_database(env: BenchEnv) -> None:
    if env.owns_database and not os.environ.get("BENCH_KEEP_DB"):
        drop_named(env.database_url)


def sibling_url(env: BenchEnv, purpose: str) -> str:
    """A database of the bench's own on the server of DATABASE_URL, named
    <BENCH_DATABASE_NAME>_<purpose>."""
    url = make_url(env.database_url).set(database=f"{DATABASE_NAME}_{purpose}")
    return url.render_as_string(hide_password=False)


def libpq(database_url: str) -> str:
    """The same database for plain psycopg (no SQLAlchemy driver suffix)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _on_server(database_url: str) -> tuple[str, sql.Identifier]:
    url = make_url(database_url)
    if not url.database:
        raise RuntimeError(f"the URL names no database: {database_url}")
    maintenance = libpq(url.set(database="postgres").render_as_string(hide_password=False))
    return maintenance, sql.Identifier(url.database)


def database_exists(database_url: str) -> bool:
    maintenance, name = _on_server(database_url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (make_url(database_url).database,)
        ).fetchone()
    return found is not None


def recreate_named(database_url: str) -> None:
    maintenance, name = _on_server(database_url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def drop_named(database_url: str) -> None:
    maintenance, name = _on_server(database_url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def flush_broker(env: BenchEnv) -> None:
    """Leftover messages from an earlier run would be counted as this run's work."""
    if env.owns_broker:
        env.redis().flushdb()


def migrate_and_seed(
    env: BenchEnv, log_dir: Path, database_url: str | None = None, seed: bool = True
) -> None:
    """The schema and reference data exactly as an operator prepares them (on DATABASE_URL, or
    on `database_url`); `seed=False` for a database seeded otherwise."""
    url = database_url or env.database_url
    tag = "" if database_url is None else f"-{make_url(url).database}"
    commands = [("alembic", [str(BIN / "alembic"), "upgrade", "head"])]
    if seed:
        commands.append(("seed", [str(BIN / "flask"), "--app", "api", "seed"]))
    for name, command in commands:
        log_path = log_dir / f"{name}{tag}.log"
        with open(log_path, "w") as log:
            done = subprocess.run(
                command,
                cwd=ROOT,
                env={**env.server_env(), "DATABASE_URL": url},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:2])} failed; see {log_path}")
