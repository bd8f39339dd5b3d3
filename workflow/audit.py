"""Audit events: every status change writes one, hash-chained per case (invariant I7).

The case row keeps the chain head (`last_event_hash`), so dropping the newest events is detected
as surely as editing an old one.
"""

import hashlib
import json
from collections.abc import Mapping

from sqlalchemy import insert
from sqlalchemy.orm import Session as OrmSession

from workflow.actors import Actor
from workflow.models import Application, Event
from workflow.models._types import utcnow

GENESIS = "0" * 64
_EVENTS = Event.__table__


# The event columns the hash covers: all but the ids and the hash itself.
_HASHED = (
    "seq", "action", "from_status", "to_status", "actor_id", "actor_role", "on_behalf_of",
    "comment", "data", "created_at", "prev_hash",
)  # fmt: skip


def _digest(values: Mapping, reference: str) -> str:
    # The case is named by its reference, which exists before the row is inserted: the hash can be
    # computed before the first flush, so writing an event costs no extra UPDATE of the case.
    content = {
        "case": reference,
        "seq": values["seq"],
        "action": values["action"],
        "from": values["from_status"],
        "to": values["to_status"],
        "actor_id": values["actor_id"],
        "actor_role": values["actor_role"],
        "on_behalf_of": values["on_behalf_of"],
        "comment": values["comment"],
        "data": values["data"],
        "at": values["created_at"].isoformat(),
        "prev": values["prev_hash"],
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def event_values(
    case: Application,
    action: str,
    from_status: str | None,
    actor: Actor,
    comment: str | None = None,
    data: dict | None = None,
) -> dict:
    """The column values of the event for the change just made to `case` (its version is the
    event's seq), hash included, and the case's chain head moved to it. Without the case id, so
    the event can be prepared before the case row exists."""
    values = {
        "seq": case.version,
        "action": str(action),
        "from_status": str(from_status) if from_status else None,
        "to_status": str(case.status),
        "actor_id": actor.user_id,
        "actor_role": str(actor.role),
        "on_behalf_of": None,
        "comment": comment,
        "data": data or {},
        "created_at": utcnow(),
        "prev_hash": case.last_event_hash or GENESIS,
    }
    values["hash"] = _digest(values, case.reference)
    case.last_event_hash = values["hash"]
    return values


def record_event(
    session: OrmSession,
    case: Application,
    action: str,
    from_status: str | None,
    actor: Actor,
    comment: str | None = None,
    data: dict | None = None,
) -> Event:
    """Append the event for the change just made to `case`, in the session's unit of work."""
    event = Event(application=case, **event_values(case, action, from_status, actor, comment, data))
    session.add(event)
    return event


def insert_events(session: OrmSession, rows: list[dict]) -> list[int]:
    """Events of many cases in one statement (rows from cases.advance_in_batch); their ids, in
    the order of `rows`."""
    if not rows:
        return []
    statement = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def verify_chain(case: Application, events: list[Event]) -> bool:
    """True when the case's events link from the genesis to its head with no gap and no edit."""
    previous = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        values = {name: getattr(event, name) for name in _HASHED}
        if (
            event.seq != expected_seq
            or event.prev_hash != previous
            or _digest(values, case.reference) != event.hash
        ):
            return False
        previous = event.hash
    return previous == (case.last_event_hash or GENESIS)
