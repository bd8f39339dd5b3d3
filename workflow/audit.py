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


# What the hash covers: each key of the hashed content and the event column it comes from (all
# but the ids and the hash itself). The keys are the stored chains' format: never rename them.
_HASHED = {
    "seq": "seq", "action": "action", "from": "from_status", "to": "to_status",
    "actor_id": "actor_id", "actor_role": "actor_role", "on_behalf_of": "on_behalf_of",
    "comment": "comment", "data": "data", "at": "created_at", "prev": "prev_hash",
}  # fmt: skip


def _digest(values: Mapping, reference: str) -> str:
    # The case is named by its reference, which exists before the row is inserted: the hash can be
    # computed before the first flush, so writing an event costs no extra UPDATE of the case.
    content = {key: values[column] for key, column in _HASHED.items()}
    content["at"] = content["at"].isoformat()
    content["case"] = reference
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


def insert_events(session: OrmSession, rows: list[dict]) -> list[int]:
    """Events of many cases in one statement (rows from cases.move, with the case id); their ids, in
    the order of `rows`."""
    if not rows:
        return []
    statement = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def verify_chain(case: Application, events: list[Event]) -> bool:
    """True when the case's events link from the genesis to its head with no gap and no edit."""
    previous = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        values = {column: getattr(event, column) for column in _HASHED.values()}
        if (
            event.seq != expected_seq
            or event.prev_hash != previous
            or _digest(values, case.reference) != event.hash
        ):
            return False
        previous = event.hash
    return previous == (case.last_event_hash or GENESIS)
