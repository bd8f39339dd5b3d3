"""Audit events: every status change writes one, hash-chained per case (invariant I7).

The case row keeps the chain head (`last_event_hash`), so dropping the newest events is detected
as surely as editing an old one.

The parts that may name a person (ERASABLE) enter the hash as the SHA-256 of a random salt and
their value. When the retention period ends (workflow/services/retention.py) a part and its salt
are erased and its digest is kept in the event's `redacted`: the chain still verifies everything
that is left, and the digest cannot be guessed back (an account id, or a short form, could be
from a plain hash).
"""

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Row

from workflow.actors import Actor
from workflow.models import Application, Event
from workflow.models._types import utcnow

GENESIS = "0" * 64


# What the hash covers: each key of the hashed content and the event column it comes from (all
# but the ids and the hash itself). The keys are the stored chains' format: never rename them.
_HASHED = {
    "seq": "seq", "action": "action", "from": "from_status", "to": "to_status",
    "actor_id": "actor_id", "actor_role": "actor_role", "on_behalf_of": "on_behalf_of",
    "comment": "comment", "data": "data", "at": "created_at", "prev": "prev_hash",
}  # fmt: skip
HASHED_COLUMNS = tuple(_HASHED.values())
# What a verifier reads of each event besides its hash.
CHAIN_COLUMNS = (*HASHED_COLUMNS, "salts", "redacted")
# Columns, and entries of data as "data.<key>", that retention may erase.
ERASABLE = ("actor_id", "on_behalf_of", "comment", "data.form", "data.items")


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _part(values: Mapping, name: str):
    return values["data"].get(name[5:]) if name.startswith("data.") else values[name]


def _salted(salt: str, value) -> str:
    return hashlib.sha256((salt + _canonical(value)).encode()).hexdigest()


def _digest(
    values: Mapping, reference: str, salts: Mapping | None, redacted: Mapping | None = None
) -> str:
    # The case is named by its reference, which exists before the row is inserted: the hash can be
    # computed before the first flush, so writing an event costs no extra UPDATE of the case.
    content = {key: values[column] for key, column in _HASHED.items()}
    content["at"] = _utc_text(content["at"])
    content["case"] = reference
    content["data"] = data = {**content["data"]}
    salts, redacted = salts or {}, redacted or {}
    for name in ERASABLE:
        if name in redacted:  # erased: it counts by the digest it had
            digest = redacted[name]
        elif (value := _part(values, name)) is not None:
            digest = _salted(salts.get(name, ""), value)
        else:
            continue
        if name.startswith("data."):
            data[name[5:]] = digest
        else:
            content[name] = digest
    return hashlib.sha256(_canonical(content).encode()).hexdigest()


def redact(event, names: Sequence[str]) -> None:
    """Erase the named parts (of ERASABLE) of a stored event with their salts, keeping each one's
    digest in `redacted`: the event's hash, and so the chain, still verify."""
    salts, redacted = {**(event.salts or {})}, {**(event.redacted or {})}
    data = {**event.data}
    for name in names:
        value = data.get(name[5:]) if name.startswith("data.") else getattr(event, name)
        if value is None:
            continue
        redacted[name] = _salted(salts.pop(name, ""), value)
        if name.startswith("data."):
            del data[name[5:]]
        else:
            setattr(event, name, None)
    event.data, event.salts, event.redacted = data, salts or None, redacted or None


def _honestly_erased(values: Mapping, salts: Mapping, redacted: Mapping) -> bool:
    """A digest in `redacted` stands only for a part that is really gone: otherwise anyone could
    rewrite a part and keep the old digest beside it."""
    return all(_part(values, name) is None and name not in salts for name in redacted)


def _utc_text(moment: datetime) -> str:
    # Stored chains were hashed from the UTC isoformat() ("...+00:00"), so the same instant read
    # in another zone (a connection set to Asia/Shanghai) must give that same text. A naive value
    # is UTC, as the column reads it: never the process's local time.
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.isoformat()


def event_values(
    case: Application,
    action: str,
    from_status: str | None,
    actor: Actor,
    comment: str | None = None,
    data: dict | None = None,
    on_behalf_of: int | None = None,
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
        "on_behalf_of": on_behalf_of,
        "comment": comment,
        "data": data or {},
        "created_at": utcnow(),
        "prev_hash": case.last_event_hash or GENESIS,
    }
    salts = {name: secrets.token_hex(16) for name in ERASABLE if _part(values, name) is not None}
    values["salts"] = salts or None
    values["hash"] = _digest(values, case.reference, salts)
    case.last_event_hash = values["hash"]
    return values


class Problem(StrEnum):
    EDITED = "edited"
    MISSING = "missing"
    OUT_OF_ORDER = "out of order"
    TRUNCATED = "truncated"
    HEAD_ALTERED = "head altered"


_EXPLAINED = {
    Problem.EDITED: "its content does not match its hash",
    Problem.MISSING: "no event has this seq, the chain jumps over it",
    Problem.OUT_OF_ORDER: "it does not link to the event before it",
    Problem.TRUNCATED: "the chain ends before the case's newest event",
    Problem.HEAD_ALTERED: "the case's last_event_hash is not its newest event's hash",
}


@dataclass(frozen=True)
class Break:
    """The first broken link of a case's chain: the case, the seq where it breaks, and how."""

    reference: str
    seq: int
    problem: Problem

    def __str__(self) -> str:
        return (
            f"case {self.reference}, event seq {self.seq}: "
            f"{self.problem} ({_EXPLAINED[self.problem]})"
        )


def first_break(case: Application | Row, events: Sequence[Event | Row]) -> Break | None:
    """Where the case's events (in seq order) first fail to link from the genesis to the case's
    head, or None when the chain is intact. Takes ORM objects or rows with the same names."""
    previous, expected = GENESIS, 1
    for event in events:
        if event.seq != expected:
            problem = Problem.MISSING if event.seq > expected else Problem.OUT_OF_ORDER
            return Break(case.reference, expected, problem)
        values = {column: getattr(event, column) for column in HASHED_COLUMNS}
        salts, redacted = event.salts or {}, event.redacted or {}
        digest = _digest(values, case.reference, salts, redacted)
        if not _honestly_erased(values, salts, redacted) or digest != event.hash:
            return Break(case.reference, event.seq, Problem.EDITED)
        if event.prev_hash != previous:
            # Intact itself but not linked: the event before it was rewritten, hash and all.
            return Break(case.reference, event.seq, Problem.OUT_OF_ORDER)
        previous, expected = event.hash, expected + 1
    if previous == (case.last_event_hash or GENESIS):
        return None
    # Every move writes the event numbered by the case's new version: a version past the last
    # event means events were dropped from the end, otherwise the head itself was changed.
    if case.version >= expected:
        return Break(case.reference, expected, Problem.TRUNCATED)
    return Break(case.reference, expected - 1, Problem.HEAD_ALTERED)
