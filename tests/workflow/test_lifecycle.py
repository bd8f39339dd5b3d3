"""The lifecycle table, exhaustively and with random action sequences."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.errors import Forbidden, InvalidTransition
from workflow.lifecycle import (
    ACTION_ROLES,
    OPEN,
    REQUESTABLE,
    TERMINAL,
    TRANSITIONS,
    Action,
    Role,
    Status,
    next_status,
)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_every_combination_is_either_in_the_table_or_refused(status, action, role):
    transition = TRANSITIONS.get((status, action))
    if transition is None:
        with pytest.raises(InvalidTransition) as raised:
            next_status(status, action, role)
        assert str(status) in raised.value.message and str(action) in raised.value.message
    elif role not in transition.roles:
        with pytest.raises(Forbidden):
            next_status(status, action, role)
    else:
        assert next_status(status, action, role) == transition.target


def test_terminal_statuses_have_no_way_out():
    assert TERMINAL
    for (source, _), _transition in TRANSITIONS.items():
        assert source not in TERMINAL


def test_every_status_is_reachable_from_submitted():
    reached, frontier = {Status.SUBMITTED}, [Status.SUBMITTED]
    while frontier:
        current = frontier.pop()
        for (source, _), transition in TRANSITIONS.items():
            if source == current and transition.target not in reached:
                reached.add(transition.target)
                frontier.append(transition.target)
    assert reached == set(Status)


def test_requestable_actions_are_the_ones_people_take():
    assert Action.ROUTE not in REQUESTABLE and Action.OPEN_REVIEW not in REQUESTABLE
    assert {Action.ACCEPT, Action.APPROVE, Action.WITHDRAW, Action.RESUBMIT} <= REQUESTABLE
    assert ACTION_ROLES[Action.APPROVE] == {Role.REVIEWER}


@given(st.lists(st.tuples(st.sampled_from(list(Action)), st.sampled_from(list(Role))), max_size=40))
def test_random_action_sequences_never_leave_the_graph(steps):
    status = Status.SUBMITTED
    for action, role in steps:
        try:
            after = next_status(status, action, role)
        except (InvalidTransition, Forbidden):
            continue
        assert (status, action) in TRANSITIONS
        assert status in OPEN  # I5: nothing moves out of a terminal status
        status = after
    assert status in set(Status)
