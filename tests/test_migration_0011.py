"""Migration 0011 re-hashes every stored audit chain into the format whose personal parts can be
erased: an intact chain verifies afterwards, a broken one stays broken where it broke, and
downgrade gives back the very hashes there were."""

import importlib.util
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.orm import Session as OrmSession

from tests.conftest import ROOT
from tests.migration_database import REFERENCE_ROWS, alembic_on, scratch_database
from workflow.audit import GENESIS, Break, Problem, first_break
from workflow.db import make_engine
from workflow.models import Application, Event, User

_spec = importlib.util.spec_from_file_location(
    "migration_0011", ROOT / "migrations" / "versions" / "20261127_0011_retention.py"
)
migration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(migration)

ROWS = [
    *REFERENCE_ROWS,
    "INSERT INTO users (id, username, password_hash, role, name, created_at, language, "
    "is_department_head, failed_logins, token_version, active, phone_code_wrong_tries) VALUES "
    "(1, NULL, 'x', 'applicant', 'a', CURRENT_TIMESTAMP, 'zh', false, 0, 1, true, 0)",
    "INSERT INTO refresh_tokens (user_id, family_id, token_hash, token_version, issued_at, "
    "expires_at) VALUES (1, 'f', 'h1', 1, '2026-11-01 08:00:00+00', '2026-11-15 08:00:00+00'), "
    "(1, 'f', 'h2', 1, '2026-11-02 08:00:00+00', '2026-11-16 08:00:00+00')",
]
CASE = (
    "INSERT INTO applications (id, reference, applicant_id, policy_code, window_code, form, "
    "status, correction_items, version, last_event_hash, submitted_at, updated_at, "
    "automatic_failures, due_date_provisional, sla_status, pledge_documents, pauses) VALUES "
    "(:id, :reference, 1, 'transport', 'W01', '{}', 'at_window', '[]', 2, :head, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0, false, 'green', '[]', '[]')"
)
EVENT = (
    "INSERT INTO events (id, application_id, seq, action, from_status, to_status, actor_id, "
    "actor_role, on_behalf_of, comment, data, created_at, prev_hash, hash) VALUES (:id, :case, "
    ":seq, :action, :from_status, :to_status, :actor_id, :actor_role, NULL, :comment, :data, "
    ":created_at, :prev_hash, :hash)"
)


def _chain(case_id: int, reference: str, first_id: int) -> list[dict]:
    """Two events hashed in the format before 0011."""
    events, prev = [], GENESIS
    for seq, (action, before, after, actor, role, comment, data) in enumerate(
        [
            ("submit", None, "submitted", 1, "applicant", None, {"form": {"tier": "B"}}),
            ("route", "submitted", "at_window", None, "system", "ok", {"window": "W01"}),
        ],
        start=1,
    ):
        event = {
            "id": first_id + seq, "case": case_id, "seq": seq, "action": action,
            "from_status": before, "to_status": after, "actor_id": actor, "actor_role": role,
            "on_behalf_of": None, "comment": comment, "data": data, "prev_hash": prev,
            "created_at": datetime(2026, 11, 20, 8, seq, tzinfo=UTC),
        }  # fmt: skip
        event["hash"] = prev = migration._whole(event, reference, prev, {})
        events.append(event)
    return events


@pytest.fixture
def database_url(database):  # after the session's database: the helper names its own from it
    with scratch_database(database, "0011") as url:
        yield url


def test_chains_are_rehashed_broken_ones_stay_broken_and_downgrade_restores(database_url):
    config = alembic_on(database_url)
    command.upgrade(config, "0010")
    engine = make_engine(database_url)
    intact, broken = _chain(1, "R1", 10), _chain(2, "R2", 20)
    broken[1]["comment"] = "edited afterwards"  # its stored hash no longer matches
    try:
        with engine.begin() as connection:
            for statement in ROWS:
                connection.execute(text(statement))
            for case_id, events in ((1, intact), (2, broken)):
                head = events[-1]["hash"]
                connection.execute(
                    text(CASE), {"id": case_id, "reference": f"R{case_id}", "head": head}
                )
                for event in events:
                    stored = {**event, "data": migration._canonical(event["data"])}
                    connection.execute(text(EVENT), stored)
        command.upgrade(config, "head")  # 0011 and after: the models read the rows
        with OrmSession(engine) as session:
            cases = {case.reference: case for case in session.scalars(select(Application))}
            chains = {
                reference: list(
                    session.scalars(
                        select(Event).where(Event.application_id == case.id).order_by(Event.seq)
                    )
                )
                for reference, case in cases.items()
            }
            assert first_break(cases["R1"], chains["R1"]) is None
            assert set(chains["R1"][0].salts) == {"actor_id", "data.form"}
            assert chains["R1"][0].hash != intact[0]["hash"]
            assert first_break(cases["R2"], chains["R2"]) == Break("R2", 2, Problem.EDITED)
            signed_in = session.get(User, 1).last_signed_in_at
            assert signed_in == datetime(2026, 11, 2, 8, tzinfo=UTC)  # the newest token's
        command.downgrade(config, "0010")
        with engine.connect() as connection:
            hashes = connection.execute(text("SELECT id, hash FROM events ORDER BY id")).all()
            heads = connection.execute(
                text("SELECT last_event_hash FROM applications ORDER BY id")
            ).scalars()
            assert list(heads) == [intact[-1]["hash"], broken[-1]["hash"]]
        assert dict(hashes) == {e["id"]: e["hash"] for e in intact + broken}
    finally:
        engine.dispose()
