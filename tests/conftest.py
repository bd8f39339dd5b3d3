"""Test stores: TEST_BACKEND=postgres (real PostgreSQL + Redis) or sqlite (the embedded default).

The database is created fresh and migrated with Alembic once per run; each test that touches it
starts from the seeded reference data only. A real Celery worker subprocess is started by the
`worker` fixture for the tests that need one.
"""

import os
import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BACKEND = os.environ.get("TEST_BACKEND", "sqlite")
# Separate names let two runs share the machine (TEST_RUN=a, TEST_RUN=b, ...).
RUN = os.environ.get("TEST_RUN", "")
TEST_VAR = ROOT / "var" / "test" / (BACKEND + (f"-{RUN}" if RUN else ""))
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "yanhu_test" + (f"_{RUN}" if RUN else "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

if BACKEND == "postgres":
    os.environ["TEST_DATABASE_URL"] = (
        PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        + f"/{PG_DATABASE}"
    )
    os.environ["TEST_BROKER_URL"] = REDIS_URL
elif BACKEND == "sqlite":
    os.environ["TEST_DATABASE_URL"] = f"sqlite:///{TEST_VAR / 'yanhu.sqlite'}"
    os.environ["TEST_BROKER_URL"] = f"sqla+sqlite:///{TEST_VAR / 'broker.sqlite'}"
else:
    raise RuntimeError("TEST_BACKEND must be postgres or sqlite")
os.environ["APP_ENV"] = "test"
os.environ["TEST_DOCUMENTS_DIR"] = str(TEST_VAR / "documents")

from alembic import command  # noqa: E402
from alembic.config import Config as AlembicConfig  # noqa: E402
from sqlalchemy import text, update  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from api.throttling import limiter  # noqa: E402
from config import SEED_DIR, TestConfig  # noqa: E402
from tests.processes import CeleryWorker  # noqa: E402
from workflow.db import Session  # noqa: E402
from workflow.models import Window  # noqa: E402
from workflow.outbox_notes import notes  # noqa: E402
from workflow.publisher import publisher  # noqa: E402

MUTABLE_TABLES = (
    "window_tasks", "delivery_attempts", "notifications", "broadcasts", "events", "documents",
    "steps", "rectification_tasks", "outbox", "idempotency_keys", "personal_data_access",
    "applications", "alerts", "admin_events", "refresh_tokens", "identity_claims", "users",
    "scheduled_runs",
)  # fmt: skip


def pytest_report_header(config):
    return (
        f"backend: {BACKEND} ({os.environ['TEST_DATABASE_URL']}, {os.environ['TEST_BROKER_URL']})"
    )


def _recreate_database() -> None:
    shutil.rmtree(TEST_VAR / "documents", ignore_errors=True)  # the files of the rows dropped
    if BACKEND == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    else:
        shutil.rmtree(TEST_VAR, ignore_errors=True)
        TEST_VAR.mkdir(parents=True)


@pytest.fixture(scope="session")
def settings() -> TestConfig:
    return TestConfig()


@pytest.fixture(scope="session")
def database(settings) -> str:
    _recreate_database()
    alembic_config = AlembicConfig(str(ROOT / "alembic.ini"))
    alembic_config.attributes["database_url"] = settings.DATABASE_URL
    command.upgrade(alembic_config, "head")
    return settings.DATABASE_URL


@pytest.fixture(scope="session")
def app(database, settings):
    from api import create_app
    from workflow.services.seeding import seed_reference_data

    flask_app = create_app(settings)
    with flask_app.app_context():
        seed_reference_data(SEED_DIR)
    Session.remove()
    notes.forget_all()  # the database is new: its outbox ids start again from 1
    return flask_app


def _empty_tables() -> None:
    session = Session()
    if BACKEND == "postgres":
        # Outbox ids go on rising from test to test, as they do in a deployment: consumers note
        # processed rows by id (workflow/outbox_notes.py), and a module's worker outlives a test.
        others = [table for table in MUTABLE_TABLES if table != "outbox"]
        session.execute(text(f"TRUNCATE {', '.join(others)} RESTART IDENTITY CASCADE"))
        session.execute(text("TRUNCATE outbox"))
    else:
        for table in MUTABLE_TABLES:
            session.execute(text(f"DELETE FROM {table}"))
    session.commit()


@pytest.fixture
def clean(app):
    """Every test starts with reference data only and empty queues."""
    for attempt in range(5):
        try:
            _empty_tables()
            break
        except OperationalError:
            # A worker of the previous test may still be finishing a task: TRUNCATE then
            # deadlocks with it, and PostgreSQL picks one to fail. Wait and go again.
            Session().rollback()
            if attempt == 4:
                raise
            time.sleep(0.5)
        finally:
            Session.remove()
    limiter.reset()  # request limits count from zero in every test
    publisher.flush()  # nothing from the previous test may land in this one's queues
    app.extensions["celery"].control.purge()
    yield
    Session.remove()


@pytest.fixture
def client(app, clean):
    # No app context is held open here: each request gets its own, as in production.
    return app.test_client()


@pytest.fixture(scope="module")
def worker(app):
    """A real Celery worker process on the test stores, for the tests of this module."""
    process = CeleryWorker(TEST_VAR / "logs")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def no_webhooks_left(app):
    """Windows are reference data, kept between tests: a webhook a test sets is taken off after."""
    yield
    session = Session()
    session.execute(update(Window).values(webhook_url=None, webhook_secret=None))
    session.commit()
    Session.remove()


@pytest.fixture
def no_inline_publish():
    """The API's post-commit publish switched off, as if the broker were unreachable."""
    saved = publisher.publish
    publisher.publish = None
    yield
    publisher.publish = saved
