"""Migration 0004 carries existing policies over to versioned routes, with cases already stored."""

import json

import pytest
from alembic import command
from sqlalchemy import text

from tests.migration_database import alembic_on, scratch_database
from workflow.db import make_engine

OLD_POLICIES = [
    ("housing", "housing", '["housing", "talent_office", "finance"]', 10),
    ("transport", "transport", '["transport"]', 5),
]


@pytest.fixture
def database_url(database):  # after the session's database: the helper names its own from it
    with scratch_database(database, "0004") as url:
        yield url


def _insert_old_rows(engine) -> None:
    with engine.begin() as connection:
        for code in ("housing", "talent_office", "finance", "transport"):
            connection.execute(
                text("INSERT INTO departments VALUES (:code, :code, :code)"), {"code": code}
            )
        connection.execute(
            text("INSERT INTO windows VALUES ('W01', 'w', 'w', 'district', NULL, NULL)")
        )
        for code, lead, departments, sla in OLD_POLICIES:
            connection.execute(
                text(
                    "INSERT INTO policies (code, name_zh, name_en, description_zh, "
                    "description_en, lead_department, review_departments, sla_working_days, "
                    "allows_multiple_open, form_fields, required_documents, eligibility_rules) "
                    "VALUES (:code, :code, :code, '', '', :lead, :departments, :sla, false, "
                    "'[]', '[]', '[]')"
                ),
                {"code": code, "lead": lead, "departments": departments, "sla": sla},
            )
        connection.execute(
            text(
                "INSERT INTO users (id, username, password_hash, role, name, created_at) "
                "VALUES (1, 'a', 'x', 'applicant', 'a', CURRENT_TIMESTAMP)"
            )
        )
        # A stored case refers to the policy, as in any database in use.
        connection.execute(
            text(
                "INSERT INTO applications (id, reference, applicant_id, policy_code, window_code, "
                "form, status, correction_items, version, submitted_at, updated_at) VALUES "
                "(1, 'R1', 1, 'housing', 'W01', '{}', 'submitted', '[]', 1, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"
            )
        )


def test_upgrade_carries_the_old_routes_over_and_downgrade_restores_them(database_url):
    config = alembic_on(database_url)
    command.upgrade(config, "0001")  # the rows as the first schema has them
    engine = make_engine(database_url)
    try:
        _insert_old_rows(engine)
        command.upgrade(config, "0004")
        with engine.connect() as connection:
            policies = connection.execute(
                text(
                    "SELECT code, promised_working_days, statutory_working_days, "
                    "current_version FROM policies ORDER BY code"
                )
            ).all()
            versions = connection.execute(
                text("SELECT policy_code, version, route FROM policy_versions ORDER BY id")
            ).all()
        assert [tuple(p) for p in policies] == [("housing", 10, 20, 1), ("transport", 5, 10, 1)]
        routes = {code: route for code, _, route in versions}
        if isinstance(routes["housing"], str):  # SQLite hands JSON back as text
            routes = {code: json.loads(route) for code, route in routes.items()}
        assert [v[:2] for v in versions] == [("housing", 1), ("transport", 1)]
        assert routes["housing"] == [
            {"code": f"{d}_review", "departments": [d], "sign": "one", "working_days": 3}
            for d in ("housing", "talent_office", "finance")
        ]

        command.downgrade(config, "0002")
        with engine.connect() as connection:
            restored = connection.execute(
                text(
                    "SELECT code, review_departments, sla_working_days FROM policies ORDER BY code"
                )
            ).all()
        departments = {code: d if isinstance(d, list) else json.loads(d) for code, d, _ in restored}
        assert departments == {
            "housing": ["housing", "talent_office", "finance"],
            "transport": ["transport"],
        }
        assert [r[2] for r in restored] == [10, 5]
    finally:
        engine.dispose()
