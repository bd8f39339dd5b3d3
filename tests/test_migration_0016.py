"""Migration 0016 adds the indexes that hold the staff of windows and departments only; downgrade
drops them."""

import pytest
from alembic import command
from sqlalchemy import inspect

from tests.migration_database import alembic_on, scratch_database
from workflow.db import make_engine

STAFF_INDEXES = {"ix_users_window_staff", "ix_users_department_staff"}


@pytest.fixture
def database_url(database):  # after the session's database: the helper names its own from it
    with scratch_database(database, "0016") as url:
        yield url


def _user_indexes(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        return {index["name"] for index in inspect(engine).get_indexes("users")}
    finally:
        engine.dispose()


def test_the_staff_indexes_come_and_go_with_the_migration(database_url):
    config = alembic_on(database_url)
    command.upgrade(config, "0015")
    assert not STAFF_INDEXES & _user_indexes(database_url)
    command.upgrade(config, "0016")
    assert STAFF_INDEXES <= _user_indexes(database_url)
    command.downgrade(config, "0015")
    assert not STAFF_INDEXES & _user_indexes(database_url)
