"""Migration 0017 adds the queues' indexes (cases and live cases by due date, the cases and steps
a person holds); downgrade drops them."""

import pytest
from alembic import command
from sqlalchemy import inspect

from tests.migration_database import alembic_on, scratch_database
from workflow.db import make_engine

QUEUE_INDEXES = {
    "applications": {
        "ix_applications_due",
        "ix_applications_live_due",
        "ix_applications_assignee",
    },
    "steps": {"ix_steps_assignee"},
}


@pytest.fixture
def database_url(database):  # after the session's database: the helper names its own from it
    with scratch_database(database, "0017") as url:
        yield url


def _present(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        inspector = inspect(engine)
        return {
            index["name"]
            for table, names in QUEUE_INDEXES.items()
            for index in inspector.get_indexes(table)
            if index["name"] in names
        }
    finally:
        engine.dispose()


def test_the_queue_indexes_come_and_go_with_the_migration(database_url):
    config = alembic_on(database_url)
    command.upgrade(config, "0016")
    assert _present(database_url) == set()
    command.upgrade(config, "0017")
    assert _present(database_url) == set().union(*QUEUE_INDEXES.values())
    command.downgrade(config, "0016")
    assert _present(database_url) == set()
