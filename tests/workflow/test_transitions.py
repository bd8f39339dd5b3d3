"""Every row of the lifecycle table through the one transition function, and nothing around it."""

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from workflow.actors import Actor
from workflow.db import Session
from workflow.errors import Forbidden, InvalidTransition
from workflow.lifecycle import REQUESTABLE, TRANSITIONS, Action, Clock, Role, Status
from workflow.models import Application
from workflow.services.casework import HANDLERS
from workflow.transitions import _PENDING, apply

ROOT = Path(__file__).resolve().parents[2]


def _case(status):
    """A case in memory, as far along as `status` needs (a running clock, say)."""
    return Application(
        id=7, reference="YH-20261127-TEST0001", applicant_id=3, policy_code="transport",
        policy_version=1, window_code="W03", form={}, status=status, correction_items=[],
        version=4, accepted_on=date(2026, 11, 2), promised_days=5, statutory_days=10,
        steps=[], pauses=[{"kind": "suspend", "started_on": "2026-11-05", "ended_on": None}],
    )  # fmt: skip


@pytest.fixture
def session(app):
    """A real session (the clock reads the calendar and the route); nothing is committed."""
    yield Session()
    Session.remove()


@pytest.mark.parametrize(("source", "action"), list(TRANSITIONS))
def test_each_row_moves_the_case_and_queues_its_event_notices_and_task(session, source, action):
    row = TRANSITIONS[(source, action)]
    role = sorted(row.roles)[0]
    case = _case(source)
    data = {"departments": ["transport"], "assignee": 11, "heads": [12], "days": 3}
    apply(session, case, action, Actor(5, role), comment="c", data=data, on_behalf_of=3)
    assert case.status == row.target
    assert case.version == 5  # one more: it is the event's seq too
    pending = session.info[_PENDING]
    [(moved, event, notices)] = pending.events
    assert moved is case
    assert (event["action"], event["from_status"], event["to_status"]) == (
        action, source, row.target,
    )  # fmt: skip
    assert (event["actor_id"], event["actor_role"], event["on_behalf_of"]) == (5, role, 3)
    assert event["hash"] == case.last_event_hash
    assert notices == row.notify  # the dispatcher is told who gets what
    assert pending.tasks == ([(case, row.task)] if row.task else [])
    assert pending.new_cases == ([case] if source is None else [])
    if row.clock in (Clock.START, Clock.RESUME, Clock.EXTEND):
        assert event["data"]["due_date"] == case.due_date.isoformat()
    if row.clock is Clock.PAUSE:
        assert case.pauses[-1]["kind"] == action and case.pauses[-1]["ended_on"] is None


def test_a_refused_action_changes_nothing():
    session = SimpleNamespace(info={})
    case = _case(Status.AT_WINDOW)
    with pytest.raises(InvalidTransition):
        apply(session, case, Action.RESUBMIT, Actor(3, Role.APPLICANT))
    with pytest.raises(Forbidden):
        apply(session, case, Action.ACCEPT, Actor(3, Role.APPLICANT))
    assert (case.status, case.version, case.last_event_hash) == (Status.AT_WINDOW, 4, None)
    assert _PENDING not in session.info


def test_no_code_but_the_transition_function_sets_a_case_status():
    setter = re.compile(r"\b(case|application)\.status\s*=[^=]")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("workflow", "api", "tasks")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "transitions.py" and setter.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_every_action_a_person_may_ask_for_has_a_handler():
    assert set(HANDLERS) == set(REQUESTABLE)
