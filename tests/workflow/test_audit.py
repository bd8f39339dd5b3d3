"""The per-case hash chain detects edits, deletions and truncation (I7)."""

from workflow.actors import SYSTEM, Actor
from workflow.audit import record_event, verify_chain
from workflow.lifecycle import Role
from workflow.models import Application


class _Sink:
    def __init__(self):
        self.added = []

    def add(self, row):
        self.added.append(row)


def _chain(length=4):
    case = Application(id=7, reference="YH-20261126-TESTCASE", status="submitted", version=0)
    session = _Sink()
    clerk = Actor(user_id=3, role=Role.WINDOW_CLERK, window_code="W01")
    for index in range(length):
        case.version += 1
        record_event(session, case, f"step{index}", "submitted", clerk if index % 2 else SYSTEM)
    return case, session.added


def test_an_untouched_chain_verifies():
    case, events = _chain()
    assert verify_chain(case, events)


def test_an_edited_event_is_detected():
    case, events = _chain()
    events[1].comment = "changed afterwards"
    assert not verify_chain(case, events)


def test_a_deleted_event_is_detected():
    case, events = _chain()
    del events[2]
    assert not verify_chain(case, events)


def test_dropping_the_newest_events_is_detected():
    case, events = _chain()
    assert not verify_chain(case, events[:-1])
