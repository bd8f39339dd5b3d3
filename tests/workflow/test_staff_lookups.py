"""Staff are found by their window or department through indexes that hold staff rows only
(migration 0016), so the lookups behind every notice and escalation do not read the account of
every applicant. Checked on the plans of the statements the code sends, on both databases."""

import re
from contextlib import contextmanager

from sqlalchemy import event

from tests.conftest import BACKEND
from tests.factories import routed_case, run_dispatch
from workflow.db import Session
from workflow.notifications.windows import _window_and_clerks
from workflow.services.sweeps import _heads


@contextmanager
def _sent_to_users():
    """The statements sent meanwhile that read the users table, with their parameters."""
    engine = Session().get_bind()
    sent = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        if re.search(r"\b(FROM|JOIN) users\b", statement):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _plan(statement: str, parameters) -> str:
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


def test_a_windows_clerks_are_read_through_the_window_staff_index(app, clean):
    with _sent_to_users() as sent:
        _window_and_clerks(Session().connection(), "W01", True)
    Session.rollback()
    [(statement, parameters)] = sent
    assert "ix_users_window_staff" in _plan(statement, parameters)


def test_department_heads_are_read_through_the_department_staff_index(app, clean):
    with _sent_to_users() as sent:
        _heads(Session(), {"housing", "finance"})
    Session.rollback()
    [(statement, parameters)] = sent
    assert "ix_users_department_staff" in _plan(statement, parameters)


def test_the_clerks_told_of_a_new_case_are_read_through_the_window_staff_index(client):
    routed_case(client, window="W03")  # its arrival is told to the window's clerks by email
    with _sent_to_users() as sent:
        run_dispatch()
    reach = [(s, p) for s, p in sent if "window_code IN" in s]
    assert reach, "the dispatcher read no clerks of a window"
    for statement, parameters in reach:
        assert "ix_users_window_staff" in _plan(statement, parameters)
