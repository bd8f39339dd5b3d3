"""The one place a case's status changes: check the lifecycle table, move, audit."""

from sqlalchemy.orm import Session as OrmSession

from workflow.actors import Actor
from workflow.audit import event_values
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
    """Take `action` on `case` as `actor`, with its audit event added to the session."""
    event = Event(application=case, **move(case, action, actor, comment, data))
    session.add(event)
    return event


def move(
    case: Application,
    action: Action,
    actor: Actor,
    comment: str | None = None,
    data: dict | None = None,
) -> dict:
    """Raise InvalidTransition / Forbidden, or move `case` in memory and return the column values
    of its audit event (without the case id). advance() adds that event; a batch writes its
    events in bulk instead (audit.insert_events)."""
    before = case.status
    case.status = next_status(Status(before), action, actor.role)
    case.version += 1
    case.updated_at = utcnow()
    return event_values(case, action, before, actor, comment, data)
