"""The one place a case's status changes: check the lifecycle table, move, audit."""

from sqlalchemy.orm import Session as OrmSession

from workflow.actors import Actor
from workflow.audit import event_values, record_event
from workflow.lifecycle import Action, Status, next_status
from workflow.models import Application, Event
from workflow.models._types import utcnow


def _move(case: Application, action: Action, actor: Actor) -> str:
    """Raises InvalidTransition / Forbidden, or moves the case and returns the status it left."""
    before = case.status
    case.status = next_status(Status(before), action, actor.role)
    case.version += 1
    case.updated_at = utcnow()
    return before


def advance(
    session: OrmSession,
    case: Application,
    action: Action,
    actor: Actor,
    comment: str | None = None,
    data: dict | None = None,
) -> Event:
    """Take `action` on `case` as `actor`, with its audit event added to the session."""
    before = _move(case, action, actor)
    return record_event(session, case, action, before, actor, comment, data)


def advance_in_batch(
    case: Application,
    action: Action,
    actor: Actor,
    comment: str | None = None,
    data: dict | None = None,
) -> dict:
    """The same move, for a batch that writes its events in bulk (audit.insert_events): returns
    the event's column values instead of adding an Event."""
    before = _move(case, action, actor)
    return {**event_values(case, action, before, actor, comment, data), "application_id": case.id}
