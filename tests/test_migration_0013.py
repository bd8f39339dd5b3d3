"""Migration 0013 moves a policy's form, documents and rules into its versions: every stored
version takes them, and downgrade puts the current version's back on the policy."""

import json

import pytest
from alembic import command
from sqlalchemy import inspect, text

from tests.migration_database import REFERENCE_ROWS, alembic_on, scratch_database
from workflow.db import make_engine

FIELDS = [{"name": "tier", "type": "choice", "required": True, "choices": [{"value": "A"}]}]
DOCUMENTS = [{"code": "identity_card", "required": True}]
RULES = [{"code": "tier_a", "field": "form.tier", "op": "eq", "value": "A"}]
TERMS = ("form_fields", "required_documents", "eligibility_rules")
VERSION = (
    "INSERT INTO policy_versions (policy_code, version, route, promised_working_days, "
    "statutory_working_days, created_at) VALUES ('transport', :version, '[]', 5, 10, "
    "CURRENT_TIMESTAMP)"
)


@pytest.fixture
def database_url(database):  # after the session's database: the helper names its own from it
    with scratch_database(database, "0013") as url:
        yield url


def _loaded(value):
    return json.loads(value) if isinstance(value, str) else value  # SQLite gives JSON as text


def _columns(engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def test_every_version_takes_the_policys_terms_and_downgrade_gives_them_back(database_url):
    config = alembic_on(database_url)
    command.upgrade(config, "0012")
    engine = make_engine(database_url)
    terms = {"form_fields": FIELDS, "required_documents": DOCUMENTS, "eligibility_rules": RULES}
    try:
        with engine.begin() as connection:
            for statement in REFERENCE_ROWS:
                connection.execute(text(statement))
            connection.execute(
                text(
                    "UPDATE policies SET form_fields = :form_fields, required_documents = "
                    ":required_documents, eligibility_rules = :eligibility_rules, "
                    "current_version = 2"
                ),
                {name: json.dumps(value) for name, value in terms.items()},
            )
            for version in (1, 2):
                connection.execute(text(VERSION), {"version": version})
        command.upgrade(config, "0013")
        assert not set(TERMS) & _columns(engine, "policies")
        with engine.connect() as connection:
            rows = connection.execute(
                text(f"SELECT version, {', '.join(TERMS)} FROM policy_versions ORDER BY version")
            ).all()
        assert [row[0] for row in rows] == [1, 2]
        for row in rows:
            assert dict(zip(TERMS, map(_loaded, row[1:]), strict=True)) == terms

        command.downgrade(config, "0012")
        assert not set(TERMS) & _columns(engine, "policy_versions")
        with engine.connect() as connection:
            [row] = connection.execute(text(f"SELECT {', '.join(TERMS)} FROM policies")).all()
        assert dict(zip(TERMS, map(_loaded, row), strict=True)) == terms
    finally:
        engine.dispose()
