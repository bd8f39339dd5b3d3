"""People acting on a case: the window receives it, departments review it, the applicant
withdraws or corrects it. One transaction per action; the lifecycle table decides what is allowed.
"""

from dataclasses import dataclass

from config.queues import TaskNames
from workflow import outbox
from workflow.actors import SYSTEM, Actor
from workflow.cases import advance
from workflow.db import Session
from workflow.errors import Conflict, Forbidden, InvalidInput, PreconditionFailed
from workflow.forms import clean_form
from workflow.lifecycle import ACTION_ROLES, REQUESTABLE, Action, Status, next_status
from workflow.models import Application, Step
from workflow.models._types import utcnow
from workflow.notices import notify_change
from workflow.policies import policy_terms
from workflow.repositories import applications


def act_on_application(
    actor: Actor,
    case_id: int,
    action: str,
    comment: str | None = None,
    items: list[dict] | None = None,
    form: dict | None = None,
    expected_version: int | None = None,
) -> Application:
    if action not in REQUESTABLE:
        raise InvalidInput("Unknown action.", errors={"action": [f"Unknown action {action!r}."]})
    action = Action(action)
    session = Session()
    case = applications.get_visible(session, actor, case_id, lock=True)
    if actor.role not in ACTION_ROLES[action]:
        raise Forbidden(f"The role {actor.role} may not {action} a case.")
    if expected_version is not None and expected_version != case.version:
        raise PreconditionFailed(
            f"The case has changed since version {expected_version} (now {case.version})."
        )
    next_status(Status(case.status), action, actor.role)  # 409 before any field is looked at
    handler = _HANDLERS.get(action, _plain)
    handler(session, case, _Request(action, actor, comment, items, form))
    session.commit()
    return case


@dataclass(frozen=True)
class _Request:
    action: Action
    actor: Actor
    comment: str | None
    items: list[dict] | None
    form: dict | None


def _plain(session, case, request: _Request) -> None:
    event = advance(session, case, request.action, request.actor, request.comment)
    notify_change(session, case, event)


def _not_accept(session, case, request: _Request) -> None:
    if not request.comment:
        raise InvalidInput(
            "A reason is required.", errors={"comment": ["Say why the case is not accepted."]}
        )
    _plain(session, case, request)


def _request_correction(session, case, request: _Request) -> None:
    if not request.items:
        raise InvalidInput(
            "List every item to correct at once.",
            errors={"items": ["At least one item is required when requesting a correction."]},
        )
    event = advance(
        session, case, request.action, request.actor, request.comment, {"items": request.items}
    )
    case.correction_items = request.items
    notify_change(session, case, event)


def _accept(session, case, request: _Request) -> None:
    advance(session, case, request.action, request.actor, request.comment)
    policy = policy_terms(session, case.policy_code)
    for position, department in enumerate(policy.review_departments):
        session.add(
            Step(
                application=case,
                position=position,
                department_code=department,
                status="open" if position == 0 else "pending",
            )
        )
    first = policy.review_departments[0]
    event = advance(session, case, Action.OPEN_REVIEW, SYSTEM, data={"department": first})
    notify_change(session, case, event, department=first)


def _decide(session, case, request: _Request) -> None:
    action, actor, comment = request.action, request.actor, request.comment
    step = next(
        (
            s
            for s in case.steps
            if s.status == "open" and s.department_code == actor.department_code
        ),
        None,
    )
    if step is None:
        raise Conflict(
            f"The case has no review step open for your department (it is {case.status})."
        )
    if action == Action.REJECT and not comment:
        raise InvalidInput(
            "A reason is required.", errors={"comment": ["Say why the case is rejected."]}
        )
    step.status = "passed" if action == Action.APPROVE else "failed"
    step.decided_by = actor.user_id
    step.decided_at = utcnow()
    step.comment = comment
    following = next((s for s in case.steps if s.position == step.position + 1), None)
    if action == Action.APPROVE and following is not None:
        following.status = "open"
        event = advance(
            session,
            case,
            Action.PASS_STEP,
            actor,
            comment,
            data={"department": step.department_code, "next": following.department_code},
        )
        notify_change(session, case, event, department=following.department_code)
        return
    event = advance(
        session, case, action, actor, comment, data={"department": step.department_code}
    )
    notify_change(session, case, event)


def _resubmit(session, case, request: _Request) -> None:
    if request.form is None:
        raise InvalidInput(
            "The corrected form is required.", errors={"form": ["Send the corrected form."]}
        )
    policy = policy_terms(session, case.policy_code)
    case.form = clean_form(policy.form_fields, request.form)
    case.correction_items = []
    advance(session, case, request.action, request.actor, request.comment)
    outbox.enqueue(session, TaskNames.PRECHECK_APPLICATIONS, {"application_id": case.id})


_HANDLERS = {
    Action.ACCEPT: _accept,
    Action.NOT_ACCEPT: _not_accept,
    Action.REQUEST_CORRECTION: _request_correction,
    Action.APPROVE: _decide,
    Action.REJECT: _decide,
    Action.RESUBMIT: _resubmit,
}
