"""The per-case hash chain detects edits, deletions and truncation (I7)."""

from workflow.actors import SYSTEM, Actor
from workflow.audit import event_values, verify_chain
from workflow.lifecycle import Role
from workflow.models import Application, Event


def _chain(length=4):
    case = Application(id=7, reference="YH-20261126-TESTCASE", status="submitted", version=0)
    clerk = Actor(user_id=3, role=Role.WINDOW_CLERK, window_code="W01")
    events = []
    for index in range(length):
        case.version += 1
        actor = clerk if index % 2 else SYSTEM
        events.append(Event(**event_values(case, f"step{index}", "submitted", actor)))
    return case, events


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
