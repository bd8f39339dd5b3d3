"""The one place a case's status changes: check the lifecycle table, move, audit."""

from sqlalchemy.orm import Session as OrmSession

from workflow.actors import Actor
from workflow.audit import record_event
from workflow.lifecycle import Action, Status, next_status
from workflow.models import Application, Event
from workflow.models._types import utcnow


def advance(
    session: OrmSession,
    case: Application,
    action: Action,
    actor: Actor,
    comment: str | None = None,
    data: dict | None = None,
) -> Event:
    """Take `action` on `case` as `actor`, or raise InvalidTransition / Forbidden."""
    before = case.status
    case.status = next_status(Status(before), action, actor.role)
    case.version += 1
    case.updated_at = utcnow()
    return record_event(session, case, action, before, actor, comment, data)
