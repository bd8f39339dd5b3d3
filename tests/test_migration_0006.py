"""Migration 0006 names each notification's source and keeps the delivery log, with rows stored
(on SQLite the notifications table is rebuilt under enforced foreign keys)."""

import pytest
from alembic import command
from sqlalchemy import text

from tests.migration_database import REFERENCE_ROWS, alembic_on, scratch_database
from workflow.db import make_engine

ROWS = [
    *REFERENCE_ROWS,
    "INSERT INTO users (id, username, password_hash, role, name, created_at, language, "
    "is_department_head) VALUES (1, 'a', 'x', 'applicant', 'a', CURRENT_TIMESTAMP, 'zh', false)",
    "INSERT INTO applications (id, reference, applicant_id, policy_code, window_code, form, "
    "status, correction_items, version, submitted_at, updated_at, automatic_failures, "
    "due_date_provisional, sla_status, pledge_documents, pauses) VALUES (1, 'R1', 1, "
    "'transport', 'W01', '{}', 'at_window', '[]', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0, "
    "false, 'green', '[]', '[]')",
    "INSERT INTO events (id, application_id, seq, action, to_status, actor_role, data, "
    "created_at, prev_hash, hash) VALUES (7, 1, 1, 'submit', 'submitted', 'applicant', '{}', "
    "CURRENT_TIMESTAMP, 'p', 'h')",
    "INSERT INTO notifications (id, event_id, application_id, recipient_type, recipient, "
    "channel, kind, status, body, created_at, attempts) VALUES (3, 7, 1, 'user', '1', 'sms', "
    "'case_routed', 'delivered', '{}', CURRENT_TIMESTAMP, 1)",
    "INSERT INTO delivery_attempts (notification_id, number, started_at, outcome, detail) "
    "VALUES (3, 1, CURRENT_TIMESTAMP, 'delivered', 'ok')",
]


@pytest.fixture
def database_url(database):  # after the session's database: the helper names its own from it
    with scratch_database(database, "0006") as url:
        yield url


def test_upgrade_names_the_sources_and_keeps_the_attempts_and_downgrade_undoes_it(database_url):
    config = alembic_on(database_url)
    command.upgrade(config, "0005")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for statement in ROWS:
                connection.execute(text(statement))
        command.upgrade(config, "0006")
        with engine.connect() as connection:
            source = connection.execute(text("SELECT source FROM notifications")).scalar_one()
            attempts = connection.execute(
                text("SELECT notification_id, outcome FROM delivery_attempts")
            ).all()
        assert source == "event:7" and [tuple(a) for a in attempts] == [(3, "delivered")]
        command.downgrade(config, "0005")
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT count(*) FROM delivery_attempts")).scalar_one()
        assert kept == 1
        command.upgrade(config, "head")
    finally:
        engine.dispose()
