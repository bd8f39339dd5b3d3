"""What the database makes of the statements the code sends: for tests that an index serves a
lookup, on PostgreSQL and on SQLite."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from bench.statements import recorded_statements
from tests.conftest import BACKEND
from workflow.db import Session


@contextmanager
def statements_reading(table: str) -> Iterator[list[tuple[str, object]]]:
    """The statements sent meanwhile that read `table`, with their parameters."""
    reads = re.compile(rf"\b(FROM|JOIN) {table}\b")
    read: list[tuple[str, object]] = []
    with recorded_statements(Session().get_bind()) as sent:
        yield read
    read.extend(
        (statement, parameters) for statement, parameters in sent if reads.search(statement)
    )


def plan_of(statement: str, parameters) -> str:
    """The plan the database makes for the statement. On PostgreSQL with sequential scans
    discouraged: a small table is scanned whatever its indexes, and the question is whether an
    index can serve the statement at all."""
    cursor = Session().connection().connection.cursor()
    try:
        if BACKEND == "postgres":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())
    finally:
        cursor.close()
        Session.rollback()
