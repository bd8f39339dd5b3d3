"""People acting on a case: the window receives it, departments review it, the talent office
steers it, the applicant corrects, withdraws or rates it. One transaction per action.

The lifecycle table decides whether an action is allowed (409 / 403 before any field is looked
at); a handler checks what the action needs (a reason, a date, a form) and applies it, with any
follow-up the system takes in the same transaction (opening the next review stage).
"""

from workflow.actors import Actor
from workflow.db import Session
from workflow.errors import Forbidden, InvalidInput, PreconditionFailed, PreconditionRequired
from workflow.lifecycle import ACTION_ROLES, REQUESTABLE, Action, Role, transition_for
from workflow.models import Application
from workflow.repositories import applications
from workflow.services.casework import applicant, departments, queues, window
from workflow.services.casework.request import Request, plain


def act_on_application(
    actor: Actor, case_id: int, expected_version: int | None, action: str, **fields
) -> Application:
    """Take `action` on a case the actor may see; `expected_version` is the If-Match version."""
    if action not in REQUESTABLE:
        raise InvalidInput("Unknown action.", errors={"action": [f"Unknown action {action!r}."]})
    request = Request(Action(action), actor, **fields)
    session = Session()
    case = applications.get_visible(session, actor, case_id, lock=True)
    role = _acting_role(case, request)
    if role not in ACTION_ROLES[request.action]:
        raise Forbidden(f"The role {role} may not {action} a case.")
    if expected_version is None:
        raise PreconditionRequired()
    if expected_version != case.version:
        raise PreconditionFailed(
            f"The case has changed since version {expected_version} (now {case.version})."
        )
    transition_for(case.status, request.action, role)  # 409 before any field is looked at
    HANDLERS[request.action](session, case, request, role)
    session.commit()
    return case


def _acting_role(case: Application, request: Request) -> Role:
    """帮办代办: a clerk of the case's window may act as the applicant, recorded as on behalf."""
    if not request.on_behalf:
        return request.actor.role
    if request.actor.role != Role.WINDOW_CLERK or request.actor.window_code != case.window_code:
        raise Forbidden("Only a clerk of the case's window may act on the applicant's behalf.")
    return Role.APPLICANT


HANDLERS = {
    Action.SUBMIT: applicant.submit_draft,
    Action.ACCEPT: window.accept,
    Action.ACCEPT_PROVISIONAL: window.accept_provisional,
    Action.REQUEST_CORRECTION: window.request_correction,
    Action.NOT_ACCEPT: window.not_accept,
    Action.FULFIL_PLEDGE: window.fulfil_pledge,
    Action.RESUBMIT: applicant.resubmit,
    Action.WITHDRAW: plain,
    Action.RATE: applicant.rate,
    Action.RETRY: applicant.retry,
    Action.CLAIM: queues.claim,
    Action.UNCLAIM: queues.unclaim,
    Action.ASSIGN: queues.assign,
    Action.APPROVE_STEP: departments.approve_step,
    Action.REJECT: departments.reject,
    Action.RETURN: departments.return_to_earlier_step,
    Action.START_SPECIAL_PROCEDURE: departments.department_pause,
    Action.SUSPEND: departments.department_pause,
    Action.END_SPECIAL_PROCEDURE: departments.department_resume,
    Action.RESUME: departments.department_resume,
    Action.EXTEND: departments.extend,
    Action.START_DISBURSEMENT: plain,
    Action.CONCLUDE: plain,
}
