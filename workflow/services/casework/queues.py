"""Work queues: staff claim and unclaim cases; the talent office assigns them."""

from workflow.errors import Conflict, Forbidden, InvalidInput
from workflow.lifecycle import Role, Status
from workflow.repositories import reference
from workflow.services.casework.request import Request, own_open_step, require, take


def claim(session, case, request: Request, role: Role) -> None:
    actor = request.actor
    if case.status == Status.AT_WINDOW:
        if case.assignee_id not in (None, actor.user_id):
            raise Conflict("Another clerk has claimed this case; they may unclaim it.")
        case.assignee_id = actor.user_id
    else:
        step = own_open_step(case, actor)
        if step.assignee_id not in (None, actor.user_id):
            raise Conflict("Another reviewer has claimed this step; they may unclaim it.")
        step.assignee_id = actor.user_id
    take(session, case, request, role)


def unclaim(session, case, request: Request, role: Role) -> None:
    actor = request.actor
    if case.status == Status.AT_WINDOW:
        holder = case.assignee_id
        case.assignee_id = None
    else:
        step = own_open_step(case, actor)
        holder, step.assignee_id = step.assignee_id, None
    if holder is None:
        raise Conflict("The case is not claimed.")
    if holder != actor.user_id and actor.role != Role.TALENT_OFFICE:
        raise Forbidden("Only the person who claimed it, or the talent office, may unclaim it.")
    take(session, case, request, role, data={"was": holder})


def assign(session, case, request: Request, role: Role) -> None:
    assignee_id = require(request.assignee_id, "assignee_id", "Name the person to assign.")
    person = reference.get_users(session, {assignee_id}).get(assignee_id)
    if case.status == Status.AT_WINDOW:
        fits = person is not None and person.role == Role.WINDOW_CLERK
        fits = fits and person.window_code == case.window_code
        if not fits:
            raise InvalidInput(
                "Not a clerk of this case's window.",
                errors={"assignee_id": ["Choose a clerk of the case's window."]},
            )
        case.assignee_id = assignee_id
    else:
        step = next(
            (s for s in case.steps if s.status == "open" and person is not None
             and s.department_code == person.department_code),
            None,
        )  # fmt: skip
        if step is None:
            raise InvalidInput(
                "Not a member of a department with an open step on this case.",
                errors={"assignee_id": ["Choose staff of a department whose step is open."]},
            )
        step.assignee_id = assignee_id
    take(session, case, request, role, data={"assignee": assignee_id})
