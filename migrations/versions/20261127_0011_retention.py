"""retention: anonymised cases and accounts; audit chains that survive erasure

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 18:00:00

applications.anonymised_at and users.anonymised_at record when the retention job erased them;
an anonymised case links to no account, so applicant_id may be null. users.last_signed_in_at
tells a dormant account (filled here from the newest refresh token each user was given). Each event's hash now
covers the parts that may name a person (actor_id, on_behalf_of, comment, the submitted form,
a correction notice's items)
by the digests of a random salt (events.salts) and their value; events.redacted keeps the
digests of the parts erased. Every stored chain is re-hashed here, each event only once verified in the old format: a chain already
broken is re-hashed up to its break and left as it was from there (re-hashing the rest would
launder the tampering), so verify-audit still reports it, and the migration names it.
The formats are copied here, not imported: a later change of the application's format must
not change what this step does.
"""

import hashlib
import json
import logging
import secrets
from datetime import UTC

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
GENESIS = "0" * 64
BATCH = 500
_HASHED = {
    "seq": "seq", "action": "action", "from": "from_status", "to": "to_status",
    "actor_id": "actor_id", "actor_role": "actor_role", "on_behalf_of": "on_behalf_of",
    "comment": "comment", "data": "data", "at": "created_at", "prev": "prev_hash",
}  # fmt: skip
_ERASABLE = ("actor_id", "on_behalf_of", "comment", "data.form", "data.items")

_cases = sa.table(
    "applications", sa.column("id", sa.Integer), sa.column("reference", sa.String),
    sa.column("last_event_hash", sa.String),
)  # fmt: skip
_events = sa.table(
    "events", sa.column("id", sa.Integer), sa.column("application_id", sa.Integer),
    sa.column("seq", sa.Integer), sa.column("action", sa.String), sa.column("from_status", sa.String),
    sa.column("to_status", sa.String), sa.column("actor_id", sa.Integer),
    sa.column("actor_role", sa.String), sa.column("on_behalf_of", sa.Integer),
    sa.column("comment", sa.String), sa.column("data", JSON),
    sa.column("created_at", sa.DateTime(timezone=True)), sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String), sa.column("salts", JSON), sa.column("redacted", JSON),
)  # fmt: skip


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _content(event, reference: str, prev: str) -> dict:
    content = {key: event[column] for key, column in _HASHED.items()}
    moment = content["at"]  # a naive time is UTC, as the column stores it
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    content["at"], content["case"], content["prev"] = utc.isoformat(), reference, prev
    return content


def _part(event, name: str):
    return (event["data"] or {}).get(name[5:]) if name.startswith("data.") else event[name]


def _whole(event, reference: str, prev: str, salts: dict) -> str:
    """The format before 0011: the canonical content itself."""
    return _sha256(_canonical(_content(event, reference, prev)))


def _by_parts(event, reference: str, prev: str, salts: dict) -> str:
    """The format from 0011: the erasable parts by the digests of their salts and values."""
    content = _content(event, reference, prev)
    content["data"] = data = {**(content["data"] or {})}
    for name in _ERASABLE:
        if (value := _part(event, name)) is None:
            continue
        digest = _sha256(salts.get(name, "") + _canonical(value))
        if name.startswith("data."):
            data[name[5:]] = digest
        else:
            content[name] = digest
    return _sha256(_canonical(content))


def _new_salts(event) -> dict | None:
    return {n: secrets.token_hex(16) for n in _ERASABLE if _part(event, n) is not None} or None


def _rechain(verify_as, hash_as, salts_of) -> None:
    """Every case's chain, checked in one format and written again in the other."""
    bind = op.get_bind()
    move_event = (
        sa.update(_events)
        .where(_events.c.id == sa.bindparam("event_id"))
        .values(
            prev_hash=sa.bindparam("new_prev"),
            hash=sa.bindparam("new_hash"),
            salts=sa.bindparam("new_salts", type_=JSON),
        )
    )
    move_head = (
        sa.update(_cases)
        .where(_cases.c.id == sa.bindparam("case_id"))
        .values(last_event_hash=sa.bindparam("head"))
    )
    after = 0
    while cases := bind.execute(
        sa.select(_cases).where(_cases.c.id > after).order_by(_cases.c.id).limit(BATCH)
    ).all():
        after = cases[-1].id
        chains: dict[int, list] = {case.id: [] for case in cases}
        for event in bind.execute(
            sa.select(_events)
            .where(_events.c.application_id.in_(list(chains)))
            .order_by(_events.c.application_id, _events.c.seq)
        ).mappings():
            chains[event["application_id"]].append(event)
        moved, heads = [], []
        for case in cases:
            old_prev = new_prev = GENESIS
            for event in chains[case.id]:
                if event["redacted"]:
                    raise RuntimeError(f"case {case.reference} has erased events: no older format")
                intact = event["prev_hash"] == old_prev and (
                    verify_as(event, case.reference, old_prev, event["salts"] or {}) == event["hash"]
                )
                if not intact:
                    log.warning("audit chain of case %s broken at seq %s: left as it was",
                                case.reference, event["seq"])  # fmt: skip
                    break
                salts = salts_of(event)
                new_hash = hash_as(event, case.reference, new_prev, salts or {})
                moved.append(
                    {"event_id": event["id"], "new_prev": new_prev, "new_hash": new_hash,
                     "new_salts": salts}
                )  # fmt: skip
                old_prev, new_prev = event["hash"], new_hash
            else:  # the whole chain verified: its head moves with it, unless it was altered
                if chains[case.id] and case.last_event_hash == old_prev:
                    heads.append({"case_id": case.id, "head": new_prev})
        if moved:
            bind.execute(move_event, moved)
        if heads:
            bind.execute(move_head, heads)


def upgrade() -> None:
    op.add_column("applications", sa.Column("anonymised_at", sa.DateTime(timezone=True)))
    op.add_column("users", sa.Column("anonymised_at", sa.DateTime(timezone=True)))
    op.add_column("users", sa.Column("last_signed_in_at", sa.DateTime(timezone=True)))
    tokens = sa.table(
        "refresh_tokens", sa.column("user_id", sa.Integer),
        sa.column("issued_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    users = sa.table("users", sa.column("id"), sa.column("last_signed_in_at"))
    newest = (
        sa.select(sa.func.max(tokens.c.issued_at))
        .where(tokens.c.user_id == users.c.id)
        .scalar_subquery()
    )
    op.execute(users.update().values(last_signed_in_at=newest))
    op.add_column("events", sa.Column("redacted", JSON, nullable=True))
    with op.batch_alter_table("applications") as batch:
        batch.alter_column("applicant_id", existing_type=sa.Integer(), nullable=True)
    op.add_column("events", sa.Column("salts", JSON, nullable=True))
    _rechain(_whole, _by_parts, _new_salts)


def downgrade() -> None:
    _rechain(_by_parts, _whole, lambda event: None)
    with op.batch_alter_table("applications") as batch:
        batch.alter_column("applicant_id", existing_type=sa.Integer(), nullable=False)
    op.drop_column("events", "redacted")
    op.drop_column("events", "salts")
    op.drop_column("users", "last_signed_in_at")
    op.drop_column("users", "anonymised_at")
    op.drop_column("applications", "anonymised_at")
