"""Migrations that only add indexes: 0016 (the staff of windows and departments), 0017 (the
queues: cases and live cases by due date, the cases and steps a person holds) and 0018 (a
window's own lists). Each upgrade adds its indexes and each downgrade drops them."""

import pytest
from alembic import command
from sqlalchemy import inspect

from tests.migration_database import alembic_on, scratch_database
from workflow.db import make_engine

ADDED = {
    "0016": {"users": {"ix_users_window_staff", "ix_users_department_staff"}},
    "0017": {
        "applications": {
            "ix_applications_due", "ix_applications_live_due", "ix_applications_assignee",
        },
        "steps": {"ix_steps_assignee"},
    },
    "0018": {
        "applications": {
            "ix_applications_window_due", "ix_applications_window_live_due",
            "ix_applications_window_live_sla",
        },
    },
}  # fmt: skip


@pytest.fixture
def database_url(database):  # after the session's database: the helper names its own from it
    with scratch_database(database, "indexes") as url:
        yield url


def _present(database_url: str, indexes: dict[str, set[str]]) -> set[str]:
    engine = make_engine(database_url)
    try:
        inspector = inspect(engine)
        return {
            index["name"]
            for table, names in indexes.items()
            for index in inspector.get_indexes(table)
            if index["name"] in names
        }
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("before", "revision"), [("0015", "0016"), ("0016", "0017"), ("0017", "0018")]
)
def test_the_indexes_come_and_go_with_their_migration(database_url, before, revision):
    indexes = ADDED[revision]
    config = alembic_on(database_url)
    command.upgrade(config, before)
    assert _present(database_url, indexes) == set()
    command.upgrade(config, revision)
    assert _present(database_url, indexes) == set().union(*indexes.values())
    command.downgrade(config, before)
    assert _present(database_url, indexes) == set()
