"""Migration 0009 seals the identity numbers and phones already stored, gives them their lookup
hashes and takes the phone out of applicants' usernames; downgrade puts them back in clear."""

import pytest
from alembic import command
from sqlalchemy import text

from tests.migration_database import alembic_on, scratch_database
from workflow.db import make_engine
from workflow.personal_data import lookup_hash, open_

PHONE, ID_NUMBER = "13900000009", "14080219950501001X"
USERS = (
    "INSERT INTO users (id, username, password_hash, role, name, phone, id_number, created_at, "
    "language, is_department_head) VALUES "
    f"(1, '{PHONE}', 'x', 'applicant', 'a', '{PHONE}', '{ID_NUMBER}', CURRENT_TIMESTAMP, 'zh', "
    "false), (2, 'clerk-w01', 'x', 'window_clerk', 'c', NULL, NULL, CURRENT_TIMESTAMP, 'zh', false)"
)
READ = "SELECT id, username, phone, id_number, phone_hash, id_number_hash FROM users ORDER BY id"


@pytest.fixture
def database_url(database):  # after the session's database: the helper names its own from it
    with scratch_database(database, "0009") as url:
        yield url


def test_stored_values_are_sealed_and_hashed_and_downgrade_opens_them(app, database_url):
    config = alembic_on(database_url)
    command.upgrade(config, "0008")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(USERS))
        command.upgrade(config, "0009")
        with engine.connect() as connection:
            applicant, clerk = connection.execute(text(READ)).all()
        assert applicant.username is None and clerk.username == "clerk-w01"
        assert PHONE not in applicant.phone and ID_NUMBER not in applicant.id_number
        assert open_(applicant.phone, "phone") == PHONE
        assert open_(applicant.id_number, "id_number") == ID_NUMBER
        assert applicant.phone_hash == lookup_hash(PHONE, "phone")
        assert applicant.id_number_hash == lookup_hash(ID_NUMBER, "id_number")
        assert (clerk.phone, clerk.phone_hash, clerk.id_number_hash) == (None, None, None)
        command.downgrade(config, "0008")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, username, phone, id_number FROM users ORDER BY id")
            ).all()
        assert [tuple(row) for row in rows] == [
            (1, PHONE, PHONE, ID_NUMBER), (2, "clerk-w01", None, None),
        ]  # fmt: skip
    finally:
        engine.dispose()
