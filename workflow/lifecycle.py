"""The case lifecycle, declared once as a table: (status, action) -> (next status, who may act).

Only `advance()` changes a case's status. An action that is not in the table for the current status
raises InvalidTransition (409 at the edge); a role that may not take it raises Forbidden (403).
"""

from dataclasses import dataclass
from enum import StrEnum

from workflow.errors import Forbidden, InvalidTransition


class Status(StrEnum):
    SUBMITTED = "submitted"
    AT_WINDOW = "at_window"
    CORRECTION_REQUESTED = "correction_requested"
    NOT_ACCEPTED = "not_accepted"
    ACCEPTED = "accepted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    SUBMIT = "submit"
    ROUTE = "route"
    REQUEST_CORRECTION = "request_correction"
    RESUBMIT = "resubmit"
    ACCEPT = "accept"
    NOT_ACCEPT = "not_accept"
    OPEN_REVIEW = "open_review"
    PASS_STEP = "pass_step"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


class Role(StrEnum):
    APPLICANT = "applicant"
    WINDOW_CLERK = "window_clerk"
    REVIEWER = "reviewer"
    TALENT_OFFICE = "talent_office"
    FINANCE = "finance"
    ADMIN = "admin"
    SYSTEM = "system"


STAFF_ROLES = frozenset(
    {Role.WINDOW_CLERK, Role.REVIEWER, Role.TALENT_OFFICE, Role.FINANCE, Role.ADMIN}
)

# Statuses from which nothing moves on; a case in one of them no longer blocks a new application.
TERMINAL = frozenset({Status.NOT_ACCEPTED, Status.REJECTED, Status.WITHDRAWN})
OPEN = frozenset(Status) - TERMINAL


@dataclass(frozen=True)
class Transition:
    target: Status
    roles: frozenset[Role]


def _t(target: Status, *roles: Role) -> Transition:
    return Transition(target, frozenset(roles))


TRANSITIONS: dict[tuple[Status, Action], Transition] = {
    (Status.SUBMITTED, Action.ROUTE): _t(Status.AT_WINDOW, Role.SYSTEM),
    (Status.SUBMITTED, Action.REQUEST_CORRECTION): _t(Status.CORRECTION_REQUESTED, Role.SYSTEM),
    (Status.AT_WINDOW, Action.ACCEPT): _t(Status.ACCEPTED, Role.WINDOW_CLERK),
    (Status.AT_WINDOW, Action.REQUEST_CORRECTION): _t(
        Status.CORRECTION_REQUESTED, Role.WINDOW_CLERK
    ),
    (Status.AT_WINDOW, Action.NOT_ACCEPT): _t(Status.NOT_ACCEPTED, Role.WINDOW_CLERK),
    (Status.CORRECTION_REQUESTED, Action.RESUBMIT): _t(Status.SUBMITTED, Role.APPLICANT),
    (Status.ACCEPTED, Action.OPEN_REVIEW): _t(Status.IN_REVIEW, Role.SYSTEM),
    # A department passes its step and the next department's step opens; the last one approves.
    (Status.IN_REVIEW, Action.PASS_STEP): _t(Status.IN_REVIEW, Role.REVIEWER),
    (Status.IN_REVIEW, Action.APPROVE): _t(Status.APPROVED, Role.REVIEWER),
    (Status.IN_REVIEW, Action.REJECT): _t(Status.REJECTED, Role.REVIEWER),
    **{
        (status, Action.WITHDRAW): _t(Status.WITHDRAWN, Role.APPLICANT)
        for status in (
            Status.SUBMITTED,
            Status.AT_WINDOW,
            Status.CORRECTION_REQUESTED,
            Status.ACCEPTED,
            Status.IN_REVIEW,
        )
    },
}

# The actions a person may ask for through the API (the rest are taken by the system).
REQUESTABLE = frozenset(
    action
    for (_, action), transition in TRANSITIONS.items()
    if transition.roles - {Role.SYSTEM} and action is not Action.PASS_STEP
)


# Who may ever take each action, whatever the status: a role outside this set gets 403, not 409.
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    action: frozenset().union(*(t.roles for (_, a), t in TRANSITIONS.items() if a == action))
    for action in Action
}


def next_status(status: Status, action: Action, role: Role) -> Status:
    """The status after `action`, or an error saying why the action is not possible now."""
    transition = TRANSITIONS.get((Status(status), Action(action)))
    if transition is None:
        raise InvalidTransition(
            f"A case that is {status} cannot take the action {action}.",
            status=str(status),
            action=str(action),
        )
    if role not in transition.roles:
        raise Forbidden(f"The role {role} may not {action} a case that is {status}.")
    return transition.target
