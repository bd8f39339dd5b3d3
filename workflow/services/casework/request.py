"""An action as asked for, and what every handler does with it: check a field, apply it."""

import datetime as dt
from dataclasses import dataclass

from workflow.actors import Actor
from workflow.errors import Conflict, InvalidInput
from workflow.lifecycle import Action, Role
from workflow.models import Application
from workflow.transitions import apply


@dataclass(frozen=True)
class Request:
    """An action as asked for: which, by whom, and the fields it may carry."""

    action: Action
    actor: Actor
    comment: str | None = None
    items: list[dict] | None = None
    documents: list[str] | None = None
    form: dict | None = None
    date: dt.date | None = None
    days: int | None = None
    assignee_id: int | None = None
    to_step: str | None = None
    rating: int | None = None
    refer_to: str | None = None
    on_behalf: bool = False


def take(session, case, request: Request, role: Role, **extra) -> None:
    """Apply the requested action through the one transition function, recording a clerk who
    acts for the applicant as acting on their behalf."""
    on_behalf_of = case.applicant_id if request.on_behalf else None
    apply(
        session,
        case,
        request.action,
        request.actor,
        comment=request.comment,
        on_behalf_of=on_behalf_of,
        role=role,
        **extra,
    )


def require(value, field: str, why: str):
    """`value`, or a 422 naming `field` when the action needs it and it is missing."""
    if value in (None, "", []):
        raise InvalidInput(why, errors={field: [why]})
    return value


def own_open_step(case: Application, actor: Actor):
    """The open step of the actor's department, or 409: it is not their turn."""
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
    return step


def plain(session, case, request: Request, role: Role) -> None:
    """An action that needs nothing but itself (withdraw, conclude, ...)."""
    take(session, case, request, role)
