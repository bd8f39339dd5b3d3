"""The case lifecycle (DESIGN.md section 5), declared once as a table.

A row per (status, action): the status after it, who may take it, and its effects by name (the
clock, who is told, which background task follows). `workflow/transitions.apply()` is the only
code that changes a case's status, and it does so by applying a row of this table. An action that
is not in the table for the current status raises InvalidTransition (409); a role that may not
take it raises Forbidden (403). Pure data and pure functions: tested without a database.
"""

from dataclasses import dataclass
from enum import StrEnum

from config.queues import TaskNames
from workflow.errors import Forbidden, InvalidTransition


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AT_WINDOW = "at_window"
    CORRECTION_REQUESTED = "correction_requested"
    NOT_ACCEPTED = "not_accepted"
    EXPIRED = "expired"
    ACCEPTED = "accepted"
    ACCEPTED_PROVISIONAL = "accepted_provisional"
    IN_REVIEW = "in_review"
    SPECIAL_PROCEDURE = "special_procedure"
    SUSPENDED = "suspended"
    APPROVED = "approved"
    REJECTED = "rejected"
    DISBURSING = "disbursing"
    CONCLUDED = "concluded"
    RATED = "rated"
    WITHDRAWN = "withdrawn"
    NEEDS_ATTENTION = "needs_attention"


class Action(StrEnum):
    SAVE_DRAFT = "save_draft"
    ADD_DOCUMENT = "add_document"
    SUBMIT = "submit"
    ROUTE = "route"
    PARK = "park"
    RETRY = "retry"
    REQUEST_CORRECTION = "request_correction"
    RESUBMIT = "resubmit"
    ACCEPT = "accept"
    ACCEPT_PROVISIONAL = "accept_provisional"
    FULFIL_PLEDGE = "fulfil_pledge"
    NOT_ACCEPT = "not_accept"
    OPEN_REVIEW = "open_review"
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    ASSIGN = "assign"
    APPROVE_STEP = "approve_step"
    RETURN = "return"
    APPROVE = "approve"
    REJECT = "reject"
    START_SPECIAL_PROCEDURE = "start_special_procedure"
    END_SPECIAL_PROCEDURE = "end_special_procedure"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXTEND = "extend"
    START_DISBURSEMENT = "start_disbursement"
    CONCLUDE = "conclude"
    RATE = "rate"
    EXPIRE = "expire"
    WARN = "warn"
    ESCALATE = "escalate"
    REMIND = "remind"
    WITHDRAW = "withdraw"


class Role(StrEnum):
    APPLICANT = "applicant"
    WINDOW_CLERK = "window_clerk"
    REVIEWER = "reviewer"
    TALENT_OFFICE = "talent_office"
    FINANCE = "finance"
    ADMIN = "admin"
    SYSTEM = "system"


class Clock(StrEnum):
    """What a transition does to the case's deadline clock (counted from acceptance, 受理)."""

    ANSWER_DUE = "answer_due"  # a correction notice: the applicant's answer is due by a date
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    EXTEND = "extend"
    STOP = "stop"


STAFF_ROLES = frozenset(
    {Role.WINDOW_CLERK, Role.REVIEWER, Role.TALENT_OFFICE, Role.FINANCE, Role.ADMIN}
)

# Nothing moves on from these.
TERMINAL = frozenset(
    {Status.NOT_ACCEPTED, Status.EXPIRED, Status.REJECTED, Status.WITHDRAWN, Status.RATED}
)
# Still being worked on: the applicant may withdraw, and a second case for the same policy waits.
OPEN = frozenset(
    {
        Status.SUBMITTED,
        Status.AT_WINDOW,
        Status.CORRECTION_REQUESTED,
        Status.ACCEPTED,
        Status.ACCEPTED_PROVISIONAL,
        Status.IN_REVIEW,
        Status.SPECIAL_PROCEDURE,
        Status.SUSPENDED,
        Status.NEEDS_ATTENTION,
    }
)
# The applicant (or a clerk on their behalf) may add documents while the case is theirs to change.
TAKES_DOCUMENTS = frozenset({Status.DRAFT, Status.SUBMITTED, Status.CORRECTION_REQUESTED})
# Decided in the applicant's favour: a second case for the same policy is refused too.
GRANTED = frozenset({Status.APPROVED, Status.DISBURSING, Status.CONCLUDED, Status.RATED})
# A department step is open in these (its clock may be paused).
UNDER_REVIEW = frozenset({Status.IN_REVIEW, Status.SPECIAL_PROCEDURE, Status.SUSPENDED})

# Who a notice goes to: resolved by workflow/notifications/dispatch.py against the case, the
# event and the rule table.
APPLICANT, WINDOW, DEPARTMENT, ASSIGNEE = "applicant", "window", "department", "assignee"
HEADS, TALENT_OFFICE = "heads", "talent_office"


@dataclass(frozen=True)
class Transition:
    target: Status
    roles: frozenset[Role]
    clock: Clock | None = None
    # (recipient, notice kind) pairs: who is told, and what.
    notify: tuple[tuple[str, str], ...] = ()
    # The background task that follows, written to the outbox in the same transaction.
    task: str | None = None


def _t(
    target: Status,
    *roles: Role,
    clock: Clock | None = None,
    notify: tuple[tuple[str, str], ...] = (),
    task: str | None = None,
) -> Transition:
    return Transition(target, frozenset(roles), clock, notify, task)


_CLERK, _REVIEWER, _OFFICE = Role.WINDOW_CLERK, Role.REVIEWER, Role.TALENT_OFFICE
_DEPARTMENTS = (_REVIEWER, _OFFICE)
_PRECHECK = TaskNames.PRECHECK_APPLICATIONS

TRANSITIONS: dict[tuple[Status | None, Action], Transition] = {
    # A new case has no status yet. A draft is not pre-checked until it is submitted, so its
    # documents can be uploaded first.
    (None, Action.SUBMIT): _t(Status.SUBMITTED, Role.APPLICANT, task=_PRECHECK),
    (None, Action.SAVE_DRAFT): _t(Status.DRAFT, Role.APPLICANT),
    (Status.DRAFT, Action.SUBMIT): _t(Status.SUBMITTED, Role.APPLICANT, task=_PRECHECK),
    (Status.DRAFT, Action.WITHDRAW): _t(Status.WITHDRAWN, Role.APPLICANT),
    # A draft left untouched for DRAFT_EXPIRY_DAYS ends, so its personal data does not stay
    # forever: the retention period then runs from here like any closed case's.
    (Status.DRAFT, Action.EXPIRE): _t(
        Status.EXPIRED, Role.SYSTEM, notify=((APPLICANT, "draft_expired"),)
    ),
    # An upload is recorded in the case's audit chain (and moves its ETag).
    **{(source, Action.ADD_DOCUMENT): _t(source, Role.APPLICANT) for source in TAKES_DOCUMENTS},
    # The automatic pre-check, and what happens when it keeps failing.
    (Status.SUBMITTED, Action.ROUTE): _t(
        Status.AT_WINDOW,
        Role.SYSTEM,
        notify=((WINDOW, "case_arrived"), (APPLICANT, "case_routed")),
    ),
    (Status.SUBMITTED, Action.REQUEST_CORRECTION): _t(
        Status.CORRECTION_REQUESTED,
        Role.SYSTEM,
        clock=Clock.ANSWER_DUE,
        notify=((APPLICANT, "correction_requested"),),
    ),
    (Status.SUBMITTED, Action.PARK): _t(Status.NEEDS_ATTENTION, Role.SYSTEM),
    (Status.NEEDS_ATTENTION, Action.RETRY): _t(Status.SUBMITTED, Role.ADMIN, task=_PRECHECK),
    # The window (受理).
    (Status.AT_WINDOW, Action.CLAIM): _t(Status.AT_WINDOW, _CLERK),
    (Status.AT_WINDOW, Action.UNCLAIM): _t(Status.AT_WINDOW, _CLERK, _OFFICE),
    (Status.AT_WINDOW, Action.ASSIGN): _t(
        Status.AT_WINDOW, _OFFICE, notify=((ASSIGNEE, "assigned"),)
    ),
    (Status.AT_WINDOW, Action.ACCEPT): _t(Status.ACCEPTED, _CLERK, clock=Clock.START),
    (Status.AT_WINDOW, Action.ACCEPT_PROVISIONAL): _t(
        Status.ACCEPTED_PROVISIONAL, _CLERK, clock=Clock.START
    ),
    (Status.AT_WINDOW, Action.REQUEST_CORRECTION): _t(
        Status.CORRECTION_REQUESTED,
        _CLERK,
        clock=Clock.ANSWER_DUE,
        notify=((APPLICANT, "correction_requested"),),
    ),
    (Status.AT_WINDOW, Action.NOT_ACCEPT): _t(
        Status.NOT_ACCEPTED, _CLERK, notify=((APPLICANT, "case_not_accepted"),)
    ),
    (Status.CORRECTION_REQUESTED, Action.RESUBMIT): _t(
        Status.SUBMITTED, Role.APPLICANT, task=_PRECHECK
    ),
    (Status.CORRECTION_REQUESTED, Action.EXPIRE): _t(
        Status.EXPIRED, Role.SYSTEM, notify=((APPLICANT, "case_expired"), (WINDOW, "case_expired"))
    ),
    # The deadline sweep reminds the applicant before an unanswered notice ends the case.
    (Status.CORRECTION_REQUESTED, Action.REMIND): _t(
        Status.CORRECTION_REQUESTED, Role.SYSTEM, notify=((APPLICANT, "correction_due_soon"),)
    ),
    # Accepted cases go straight into their first review stage.
    **{
        (source, Action.OPEN_REVIEW): _t(
            Status.IN_REVIEW,
            Role.SYSTEM,
            notify=((DEPARTMENT, "review_assigned"), (APPLICANT, "case_accepted")),
        )
        for source in (Status.ACCEPTED, Status.ACCEPTED_PROVISIONAL)
    },
    # Departments (审核).
    (Status.IN_REVIEW, Action.CLAIM): _t(Status.IN_REVIEW, *_DEPARTMENTS),
    (Status.IN_REVIEW, Action.UNCLAIM): _t(Status.IN_REVIEW, *_DEPARTMENTS),
    (Status.IN_REVIEW, Action.ASSIGN): _t(
        Status.IN_REVIEW, _OFFICE, notify=((ASSIGNEE, "assigned"),)
    ),
    # A signature that completes a stage opens the next one (its departments are told); the
    # last stage's completion is followed by APPROVE, taken by the system.
    (Status.IN_REVIEW, Action.APPROVE_STEP): _t(
        Status.IN_REVIEW, *_DEPARTMENTS, notify=((DEPARTMENT, "review_assigned"),)
    ),
    (Status.IN_REVIEW, Action.RETURN): _t(
        Status.IN_REVIEW, *_DEPARTMENTS, notify=((DEPARTMENT, "case_returned"),)
    ),
    (Status.IN_REVIEW, Action.APPROVE): _t(
        Status.APPROVED,
        Role.SYSTEM,
        clock=Clock.STOP,
        notify=((APPLICANT, "case_decided"), (WINDOW, "case_decided")),
    ),
    (Status.IN_REVIEW, Action.REJECT): _t(
        Status.REJECTED,
        *_DEPARTMENTS,
        clock=Clock.STOP,
        notify=((APPLICANT, "case_decided"), (WINDOW, "case_decided")),
    ),
    (Status.IN_REVIEW, Action.START_SPECIAL_PROCEDURE): _t(
        Status.SPECIAL_PROCEDURE,
        *_DEPARTMENTS,
        clock=Clock.PAUSE,
        notify=((APPLICANT, "special_procedure_started"),),
    ),
    (Status.SPECIAL_PROCEDURE, Action.END_SPECIAL_PROCEDURE): _t(
        Status.IN_REVIEW,
        *_DEPARTMENTS,
        clock=Clock.RESUME,
        notify=((APPLICANT, "special_procedure_ended"),),
    ),
    (Status.IN_REVIEW, Action.SUSPEND): _t(
        Status.SUSPENDED, *_DEPARTMENTS, clock=Clock.PAUSE, notify=((APPLICANT, "case_suspended"),)
    ),
    (Status.SUSPENDED, Action.RESUME): _t(
        Status.IN_REVIEW, *_DEPARTMENTS, clock=Clock.RESUME, notify=((APPLICANT, "case_resumed"),)
    ),
    **{
        (source, Action.EXTEND): _t(
            source, _OFFICE, clock=Clock.EXTEND, notify=((APPLICANT, "deadline_extended"),)
        )
        for source in UNDER_REVIEW
    },
    # 容缺受理: the window records the promised documents; a pledge not kept ends the case, and the
    # applicant is reminded before it does.
    **{(source, Action.FULFIL_PLEDGE): _t(source, _CLERK) for source in UNDER_REVIEW},
    **{
        (source, Action.REMIND): _t(source, Role.SYSTEM, notify=((APPLICANT, "pledge_due_soon"),))
        for source in UNDER_REVIEW
    },
    **{
        (source, Action.EXPIRE): _t(
            Status.EXPIRED,
            Role.SYSTEM,
            clock=Clock.STOP,
            notify=((APPLICANT, "case_expired"), (WINDOW, "case_expired")),
        )
        for source in UNDER_REVIEW
    },
    # The deadline sweep: yellow tells whoever works on the case and its window; red escalates
    # to the heads of the departments whose steps are open and to the talent office.
    (Status.IN_REVIEW, Action.WARN): _t(
        Status.IN_REVIEW,
        Role.SYSTEM,
        notify=((ASSIGNEE, "deadline_yellow"), (WINDOW, "deadline_yellow")),
    ),
    (Status.IN_REVIEW, Action.ESCALATE): _t(
        Status.IN_REVIEW,
        Role.SYSTEM,
        notify=((HEADS, "deadline_red"), (TALENT_OFFICE, "deadline_red")),
    ),
    # After the decision (办结, 好差评).
    (Status.APPROVED, Action.START_DISBURSEMENT): _t(Status.DISBURSING, Role.FINANCE),
    (Status.APPROVED, Action.CONCLUDE): _t(
        Status.CONCLUDED, _CLERK, _OFFICE, notify=((APPLICANT, "case_concluded"),)
    ),
    (Status.DISBURSING, Action.CONCLUDE): _t(
        Status.CONCLUDED, Role.FINANCE, _OFFICE, notify=((APPLICANT, "case_concluded"),)
    ),
    (Status.CONCLUDED, Action.RATE): _t(
        Status.RATED, Role.APPLICANT, notify=((WINDOW, "rating_received"),)
    ),
    # The applicant may withdraw whatever is still open.
    **{
        (source, Action.WITHDRAW): _t(
            Status.WITHDRAWN, Role.APPLICANT, clock=Clock.STOP, notify=((WINDOW, "case_withdrawn"),)
        )
        for source in OPEN
    },
}

# Actions only the system takes: never accepted from a person.
SYSTEM_ONLY = frozenset(
    action
    for action in Action
    if all(t.roles == {Role.SYSTEM} for (_, a), t in TRANSITIONS.items() if a == action)
)
# The actions a person may ask for through the actions endpoint (a new case and an upload have
# endpoints of their own).
REQUESTABLE = frozenset(Action) - SYSTEM_ONLY - {Action.SAVE_DRAFT, Action.ADD_DOCUMENT}

# Who may ever take each action, whatever the status: a role outside this set gets 403, not 409.
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    action: frozenset().union(*(t.roles for (_, a), t in TRANSITIONS.items() if a == action))
    for action in Action
}


def transition_for(status: Status | None, action: Action, role: Role) -> Transition:
    """The row for `action` in `status`, or an error saying why the action is not possible now."""
    transition = TRANSITIONS.get((Status(status) if status else None, Action(action)))
    if transition is None:
        raise InvalidTransition(
            f"A case that is {status} cannot take the action {action}.",
            status=str(status),
            action=str(action),
        )
    if role not in transition.roles:
        raise Forbidden(f"The role {role} may not {action} a case that is {status}.")
    return transition
