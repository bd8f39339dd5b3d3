"""Migration 0010: applicants registered before phone codes existed keep logging in (their
phones count as confirmed when they registered); staff are left as they were."""

import pytest
from alembic import command
from sqlalchemy import text

from tests.migration_database import alembic_on, scratch_database
from workflow.db import make_engine

USERS = (
    "INSERT INTO users (id, username, password_hash, role, name, created_at, language, "
    "is_department_head) VALUES (1, NULL, 'x', 'applicant', 'a', '2026-11-01 08:00:00+00', "
    "'zh', false), (2, 'clerk', 'x', 'window_clerk', 'c', '2026-11-02 08:00:00+00', 'zh', false)"
)


@pytest.fixture
def database_url(database):  # after the session's database: the helper names its own from it
    with scratch_database(database, "0010") as url:
        yield url


def test_registered_applicants_count_as_confirmed_and_downgrade_undoes_it(database_url):
    config = alembic_on(database_url)
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
