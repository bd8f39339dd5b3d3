"""Departments reviewing: sign a step, reject, return, pause (special procedure, suspension),
resume; the talent office extends the deadline."""

from workflow.actors import SYSTEM
from workflow.lifecycle import Action, Role
from workflow.models._types import utcnow
from workflow.review import return_to_stage, sign_step
from workflow.services.casework.request import Request, own_open_step, require, take
from workflow.transitions import apply


def approve_step(session, case, request: Request, role: Role) -> None:
    step = own_open_step(case, request.actor)
    opened = sign_step(session, case, step, request.actor, request.comment)
    data = {"step": step.code, "department": step.department_code}
    if opened is None:  # the last stage is complete: the case is approved
        take(session, case, request, role, data=data)
        apply(session, case, Action.APPROVE, SYSTEM)
    else:
        take(session, case, request, role, data={**data, "departments": opened})


def reject(session, case, request: Request, role: Role) -> None:
    step = own_open_step(case, request.actor)
    require(request.comment, "comment", "Say why the case is rejected.")
    step.status, step.decided_by, step.decided_at = "failed", request.actor.user_id, utcnow()
    step.comment = request.comment
    take(session, case, request, role, data={"step": step.code, "department": step.department_code})


def return_to_earlier_step(session, case, request: Request, role: Role) -> None:
    step = own_open_step(case, request.actor)
    require(request.comment, "comment", "Say what the earlier step must look at again.")
    target = require(request.to_step, "to_step", "Name the earlier step (its code).")
    departments = return_to_stage(case, step, target)
    take(
        session, case, request, role,
        data={"from_step": step.code, "to_step": target, "departments": departments},
    )  # fmt: skip


def department_pause(session, case, request: Request, role: Role) -> None:
    """Special procedures and suspension: by a department working on the case, with a reason."""
    own_open_step(case, request.actor)
    require(request.comment, "comment", "Say why (the procedure, or the reason to suspend).")
    data = {}
    if request.action == Action.SUSPEND:
        restart = require(request.date, "date", "Give the expected restart date.")
        data["date"] = restart.isoformat()
    elif request.date is not None:
        data["date"] = request.date.isoformat()
    take(session, case, request, role, data=data)


def department_resume(session, case, request: Request, role: Role) -> None:
    own_open_step(case, request.actor)
    take(session, case, request, role)


def extend(session, case, request: Request, role: Role) -> None:
    require(request.comment, "comment", "Say why the deadline is extended.")
    days = require(request.days, "days", "Give the extension in working days.")
    take(session, case, request, role, data={"days": days})
