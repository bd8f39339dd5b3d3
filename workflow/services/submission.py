"""An applicant submits a case: stored as submitted, audited, and handed to the worker; or kept
as a draft, for its documents to be uploaded before it is submitted."""

import hashlib
import json
import secrets
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from config import LOCAL_TIMEZONE
from workflow.actors import Actor
from workflow.db import Session
from workflow.errors import Conflict, InvalidInput
from workflow.forms import clean_form
from workflow.lifecycle import Action
from workflow.models import Application, IdempotencyKey
from workflow.models._types import UTCDateTime, utcnow
from workflow.policies import policy_terms, window_exists
from workflow.transitions import apply, write_pending

# Crockford's base32 without I, L, O, U: easy to read aloud at a window and to type back.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference(now: datetime) -> str:
    """申报号 like YH-20261126-7K3Q9DMX: the local date plus 40 random bits (collisions negligible,
    and the unique index would refuse one). One read of the system's randomness, not one per
    character: that read is a system call, and it was the costliest step of a submission."""
    bits = int.from_bytes(secrets.token_bytes(5))
    tail = "".join(_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"YH-{now.astimezone(LOCAL_TIMEZONE):%Y%m%d}-{tail}"


class Submitted(NamedTuple):
    case: Application
    replayed: bool


def submit_application(
    actor: Actor,
    policy_code: str,
    window_code: str,
    form: dict,
    idempotency_key: str | None = None,
    draft: bool = False,
) -> Submitted:
    """The new case (a draft when `draft`); or, for an idempotency key already used with this
    same request, the case that request created, as its answer showed it (nothing is stored
    twice)."""
    session = Session()
    request_hash = None
    if idempotency_key is not None:
        request_hash = _request_hash(policy_code, window_code, form, draft)
        earlier = _earlier_case(session, actor, idempotency_key, request_hash)
        if earlier is not None:
            return Submitted(earlier, replayed=True)
    errors: dict = {}
    policy = policy_terms(session, policy_code)
    if policy is None:
        errors["policy_code"] = [f"Unknown policy {policy_code!r}."]
    if not window_exists(session, window_code):
        errors["window_code"] = [f"Unknown window {window_code!r}."]
    cleaned = form
    if policy is not None:
        try:
            cleaned = clean_form(policy.form_fields, form)
        except InvalidInput as invalid:
            errors.update(invalid.errors)
    if errors:
        raise InvalidInput("The application has invalid fields.", errors=errors)

    now = utcnow()
    case = Application(
        reference=new_reference(now),
        applicant_id=actor.user_id,
        policy_code=policy_code,
        window_code=window_code,
        form=cleaned,
        policy_version=policy.version,
        status=None,
        correction_items=[],
        pledge_documents=[],
        automatic_failures=0,
        due_date_provisional=False,
        sla_status="green",
        version=0,
        submitted_at=now,
        updated_at=now,
        steps=[],  # none until accepted; set so that serialising the case needs no query
        pauses=[],
    )
    # `case` stays out of the ORM session: apply() has its row inserted with the others, and
    # it is what the caller serialises.
    apply(
        session, case, Action.SAVE_DRAFT if draft else Action.SUBMIT, actor, data={"form": cleaned}
    )
    if idempotency_key is not None:
        write_pending(session)  # the key points at the case: its id first
        session.add(
            IdempotencyKey(
                user_id=actor.user_id,
                key=idempotency_key,
                request_hash=request_hash,
                application_id=case.id,
                first_response=_snapshot(case),
                created_at=now,
            )
        )
    try:
        session.commit()
    except IntegrityError:
        # Only the key can collide here: the same request is being handled at this moment.
        session.rollback()
        raise Conflict(
            "A request with this Idempotency-Key is in progress; retry it to get its result.",
            errors={"Idempotency-Key": ["In use by a request that has not finished."]},
        ) from None
    return Submitted(case, replayed=False)


def _request_hash(policy_code: str, window_code: str, form: dict, draft: bool) -> str:
    # A submission hashes as it did before drafts existed: keys stored then still match.
    request = [policy_code, window_code, form, *(["draft"] if draft else [])]
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _earlier_case(
    session: OrmSession, actor: Actor, key: str, request_hash: str
) -> Application | None:
    earlier = session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == actor.user_id, IdempotencyKey.key == key
        )
    ).first()
    if earlier is None:
        return None
    if earlier.request_hash != request_hash:
        raise InvalidInput(
            "This Idempotency-Key was used for a different request.",
            errors={"Idempotency-Key": ["Already used with another body; use a new key."]},
        )
    return _from_snapshot(earlier.first_response)


# The case's columns, with its times as ISO text: what a replay rebuilds the first answer from.
_COLUMNS = Application.__table__.columns
_TIMES = frozenset(column.key for column in _COLUMNS if isinstance(column.type, UTCDateTime))


def _snapshot(case: Application) -> dict:
    values = {column.key: getattr(case, column.key) for column in _COLUMNS}
    return {
        key: value.isoformat() if key in _TIMES and value is not None else value
        for key, value in values.items()
    }


def _from_snapshot(values: dict) -> Application:
    """A detached copy of the case as it was created (it has no steps until accepted)."""
    times = {key: datetime.fromisoformat(values[key]) for key in _TIMES if values.get(key)}
    return Application(**{**values, **times}, steps=[])
