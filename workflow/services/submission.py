"""An applicant submits a case: stored as submitted, audited, and handed to the worker."""

import secrets
from datetime import datetime

from config import LOCAL_TIMEZONE
from config.queues import TaskNames
from workflow import outbox
from workflow.actors import Actor
from workflow.audit import record_event
from workflow.db import Session
from workflow.errors import InvalidInput
from workflow.forms import clean_form
from workflow.lifecycle import Action, Status
from workflow.models import Application
from workflow.models._types import utcnow
from workflow.policies import policy_terms, window_exists

# Crockford's base32 without I, L, O, U: easy to read aloud at a window and to type back.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference(now: datetime) -> str:
    """申报号 like YH-20261126-7K3Q9DMX: the local date plus 40 random bits (collisions negligible,
    and the unique index would refuse one). One read of the system's randomness, not one per
    character: that read is a system call, and it was the costliest step of a submission."""
    bits = int.from_bytes(secrets.token_bytes(5))
    tail = "".join(_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"YH-{now.astimezone(LOCAL_TIMEZONE):%Y%m%d}-{tail}"


def submit_application(actor: Actor, policy_code: str, window_code: str, form: dict) -> Application:
    session = Session()
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
        status=Status.SUBMITTED,
        correction_items=[],
        version=1,
        submitted_at=now,
        updated_at=now,
        steps=[],  # none until accepted; set so that serialising the case needs no query
    )
    session.add(case)
    record_event(session, case, Action.SUBMIT, None, actor)
    session.flush()  # the outbox row needs the case id
    outbox.enqueue(session, TaskNames.PRECHECK_APPLICATIONS, {"application_id": case.id})
    session.commit()
    return case
