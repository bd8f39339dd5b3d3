"""Migration 0010: applicants registered before phone codes existed keep logging in (their
phones count as confirmed when they registered); staff are left as they were."""

import psycopg
import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import text

from tests.conftest import BACKEND, PG_ADMIN_URL, PG_DATABASE, ROOT, TEST_VAR
from workflow.db import make_engine

USERS = (
    "INSERT INTO users (id, username, password_hash, role, name, created_at, language, "
    "is_department_head) VALUES (1, NULL, 'x', 'applicant', 'a', '2026-11-01 08:00:00+00', "
    "'zh', false), (2, 'clerk', 'x', 'window_clerk', 'c', '2026-11-02 08:00:00+00', 'zh', false)"
)


@pytest.fixture
def database_url(database):
    if BACKEND == "sqlite":
        yield f"sqlite:///{TEST_VAR / 'migration_0010.sqlite'}"
        (TEST_VAR / "migration_0010.sqlite").unlink(missing_ok=True)
        return
    name = f"{PG_DATABASE}_m0010"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    yield database.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_registered_applicants_count_as_confirmed_and_downgrade_undoes_it(database_url):
    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    command.upgrade(config, "0009")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(USERS))
        command.upgrade(config, "0010")
        with engine.connect() as connection:
            confirmed = dict(
                connection.execute(
                    text("SELECT id, phone_confirmed_at IS NOT NULL FROM users ORDER BY id")
                ).all()
            )
            tries = connection.execute(text("SELECT phone_code_wrong_tries FROM users")).scalars()
            assert list(tries) == [0, 0]
        assert confirmed == {1: True, 2: False}
        command.downgrade(config, "0009")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 2
    finally:
        engine.dispose()
