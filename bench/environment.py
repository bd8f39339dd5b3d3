"""Where the benchmark runs: the database and broker URLs, and preparing them.

With DATABASE_URL / CELERY_BROKER_URL unset the bench owns its stores: it creates (and at the end
drops) the database yanhu_bench and flushes Redis db 14. Stores handed to it are never dropped or
flushed; the bench only adds rows and keys of its own to them.
"""

import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
from psycopg import sql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
OUTPUT_DIR = ROOT / "var" / "bench"
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/yanhu_bench"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/14"


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
        """The same database for plain psycopg (no SQLAlchemy driver suffix)."""
        url = make_url(self.database_url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def server_env(self) -> dict[str, str]:
        """What every subprocess (migrations, seed, API, bare app, worker) runs with."""
        return {
            **os.environ,
            "APP_ENV": "production",
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "PYTHONUNBUFFERED": "1",
        }

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.broker_url)


def _maintenance_url(env: BenchEnv) -> str:
    url = make_url(env.libpq_url).set(database="postgres")
    return url.render_as_string(hide_password=False)


def _database_name(env: BenchEnv) -> str:
    name = make_url(env.database_url).database
    if not name:
        raise RuntimeError(f"DATABASE_URL names no database: {env.database_url}")
    return name


def recreate_database(env: BenchEnv) -> None:
    if not env.owns_database:
        return
    with psycopg.connect(_maintenance_url(env), autocommit=True) as connection:
        name = sql.Identifier(_database_name(env))
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def drop_database(env: BenchEnv) -> None:
    if not env.owns_database or os.environ.get("BENCH_KEEP_DB"):
        return
    with psycopg.connect(_maintenance_url(env), autocommit=True) as connection:
        name = sql.Identifier(_database_name(env))
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def flush_broker(env: BenchEnv) -> None:
    """Leftover messages from an earlier run would be counted as this run's work."""
    if env.owns_broker:
        env.redis().flushdb()


def migrate_and_seed(env: BenchEnv, log_dir: Path) -> None:
    """The schema and reference data exactly as an operator prepares them."""
    for name, command in (
        ("alembic", [str(BIN / "alembic"), "upgrade", "head"]),
        ("seed", [str(BIN / "flask"), "--app", "api", "seed"]),
    ):
        with open(log_dir / f"{name}.log", "w") as log:
            done = subprocess.run(
                command, cwd=ROOT, env=env.server_env(), stdout=log, stderr=subprocess.STDOUT
            )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command[:2])} failed; see {log_dir / name}.log")
