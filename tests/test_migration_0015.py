"""Migration 0015 keeps a policy's day counts on its versions only; downgrade puts the current
version's back on the policy."""

import pytest
from alembic import command
from sqlalchemy import inspect, text

from tests.migration_database import REFERENCE_ROWS, alembic_on, scratch_database
from workflow.db import make_engine

DAYS = ("promised_working_days", "statutory_working_days")
VERSION = (
    "INSERT INTO policy_versions (policy_code, version, route, promised_working_days, "
    "statutory_working_days, form_fields, required_documents, eligibility_rules, created_at) "
    "VALUES ('transport', :version, '[]', :promised, :statutory, '[]', '[]', '[]', "
    "CURRENT_TIMESTAMP)"
)


@pytest.fixture
def database_url(database):  # after the session's database: the helper names its own from it
    with scratch_database(database, "0015") as url:
        yield url


def _columns(engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def test_the_day_counts_leave_the_policy_and_downgrade_takes_the_current_versions(database_url):
    config = alembic_on(database_url)
    command.upgrade(config, "0012")  # the reference rows are written as that schema stores them
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for statement in REFERENCE_ROWS:
                connection.execute(text(statement))
        command.upgrade(config, "0014")
        with engine.begin() as connection:
            # Version 1 promised 5 and 10 days; the current one, 2, promises 4 and 8.
            connection.execute(text(VERSION), {"version": 1, "promised": 5, "statutory": 10})
            connection.execute(text(VERSION), {"version": 2, "promised": 4, "statutory": 8})
            connection.execute(text("UPDATE policies SET current_version = 2"))
        command.upgrade(config, "0015")
        assert not set(DAYS) & _columns(engine, "policies")
        with engine.connect() as connection:
            kept = connection.execute(
                text(f"SELECT version, {', '.join(DAYS)} FROM policy_versions ORDER BY version")
            ).all()
        assert [tuple(row) for row in kept] == [(1, 5, 10), (2, 4, 8)]

        command.downgrade(config, "0014")
        with engine.connect() as connection:
            [row] = connection.execute(text(f"SELECT {', '.join(DAYS)} FROM policies")).all()
        assert tuple(row) == (4, 8)
    finally:
        engine.dispose()
