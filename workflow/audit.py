"""Audit events: every status change writes one, hash-chained per case (invariant I7).

The case row keeps the chain head (`last_event_hash`), so dropping the newest events is detected
as surely as editing an old one.
"""

import hashlib
import json

from sqlalchemy.orm import Session as OrmSession

from workflow.actors import Actor
from workflow.models import Application, Event
from workflow.models._types import utcnow

GENESIS = "0" * 64


def _digest(event: Event, reference: str) -> str:
    # The case is named by its reference, which exists before the row is inserted: the hash can be
    # computed before the first flush, so writing an event costs no extra UPDATE of the case.
    content = {
        "case": reference,
        "seq": event.seq,
        "action": event.action,
        "from": event.from_status,
        "to": event.to_status,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "on_behalf_of": event.on_behalf_of,
        "comment": event.comment,
        "data": event.data,
        "at": event.created_at.isoformat(),
        "prev": event.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_event(
    session: OrmSession,
    case: Application,
    action: str,
    from_status: str | None,
    actor: Actor,
    comment: str | None = None,
    data: dict | None = None,
) -> Event:
    """Append the event for the change just made to `case` (its version is the event's seq)."""
    event = Event(
        application=case,
        seq=case.version,
        action=str(action),
        from_status=str(from_status) if from_status else None,
        to_status=str(case.status),
        actor_id=actor.user_id,
        actor_role=str(actor.role),
        comment=comment,
        data=data or {},
        created_at=utcnow(),
        prev_hash=case.last_event_hash or GENESIS,
    )
    event.hash = _digest(event, case.reference)
    case.last_event_hash = event.hash
    session.add(event)
    return event


def verify_chain(case: Application, events: list[Event]) -> bool:
    """True when the case's events link from the genesis to its head with no gap and no edit."""
    previous = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if (
            event.seq != expected_seq
            or event.prev_hash != previous
            or _digest(event, case.reference) != event.hash
        ):
            return False
        previous = event.hash
    return previous == (case.last_event_hash or GENESIS)
