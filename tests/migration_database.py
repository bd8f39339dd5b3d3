"""A database of its own for a migration test, which migrates it step by step itself (the session's
database is already at head). Removed again when the test ends."""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from alembic.config import Config as AlembicConfig

from tests.conftest import BACKEND, PG_ADMIN_URL, PG_DATABASE, ROOT, TEST_VAR

# A department, a window and a policy (transport, W01) as the early schema stores them: what a
# case row needs to refer to.
REFERENCE_ROWS = [
    "INSERT INTO departments VALUES ('transport', 't', 't')",
    "INSERT INTO windows (code, name_zh, name_en, level) VALUES ('W01', 'w', 'w', 'district')",
    "INSERT INTO policies (code, name_zh, name_en, description_zh, description_en, "
    "lead_department, allows_multiple_open, form_fields, required_documents, eligibility_rules, "
    "promised_working_days, statutory_working_days, current_version) VALUES ('transport', 't', "
    "'t', '', '', 'transport', false, '[]', '[]', '[]', 5, 10, 1)",
]


@contextmanager
def scratch_database(session_url: str, suffix: str) -> Iterator[str]:
    """The URL of an empty database named after the session's one and `suffix`."""
    if BACKEND == "sqlite":
        path = TEST_VAR / f"migration_{suffix}.sqlite"  # TEST_VAR exists once the session's does
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)
        return
    name = f"{PG_DATABASE}_m{suffix}"
    _drop(name, create=True)
    try:
        yield session_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _drop(name)


def _drop(name: str, create: bool = False) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            connection.execute(f"CREATE DATABASE {name}")


def alembic_on(url: str) -> AlembicConfig:
    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    return config
