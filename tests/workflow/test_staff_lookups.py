"""Staff are found by their window or department through indexes that hold staff rows only
(migration 0016), so the lookups behind every notice and escalation do not read the account of
every applicant. Checked on the plans of the statements the code sends, on both databases."""

from tests.factories import routed_case, run_dispatch
from tests.plans import plan_of, statements_reading
from workflow.db import Session
from workflow.notifications.windows import _window_and_clerks
from workflow.services.sweeps import _heads


def test_a_windows_clerks_are_read_through_the_window_staff_index(app, clean):
    with statements_reading("users") as sent:
        _window_and_clerks(Session().connection(), "W01", True)
    Session.rollback()
    [(statement, parameters)] = sent
    assert "ix_users_window_staff" in plan_of(statement, parameters)


def test_department_heads_are_read_through_the_department_staff_index(app, clean):
    with statements_reading("users") as sent:
        _heads(Session(), {"housing", "finance"})
    Session.rollback()
    [(statement, parameters)] = sent
    assert "ix_users_department_staff" in plan_of(statement, parameters)


def test_the_clerks_told_of_a_new_case_are_read_through_the_window_staff_index(client):
    routed_case(client, window="W03")  # its arrival is told to the window's clerks by email
    with statements_reading("users") as sent:
        run_dispatch()
    reach = [(s, p) for s, p in sent if "window_code IN" in s]
    assert reach, "the dispatcher read no clerks of a window"
    for statement, parameters in reach:
        assert "ix_users_window_staff" in plan_of(statement, parameters)
