"""Identity claims, decided at a window: a person whose identity number another account holds
shows their identity card to a clerk, who grants the number to them or refuses. A claim is
listed once its claimant's phone is confirmed (before that, nobody has proved anything).

Granting moves the number to the claimant; the account that held it loses it and is
deactivated (its tokens stop working), since the card shows it was not its holder's to hold.
Each decision stays on the claim: who, when, and the clerk's comment.
"""

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from workflow.actors import Actor
from workflow.db import Session
from workflow.errors import Conflict, Forbidden, NotFound
from workflow.lifecycle import Role
from workflow.models import IdentityClaim, User
from workflow.models._types import utcnow
from workflow.models.identity_claim import GRANTED, OPEN, REFUSED
from workflow.repositories import reference

GRANT, REFUSE = "grant", "refuse"
DECISIONS = {GRANT: GRANTED, REFUSE: REFUSED}
# Clerks of any window (the person may go to the nearest), the talent office, admins.
DECIDERS = frozenset({Role.WINDOW_CLERK, Role.TALENT_OFFICE, Role.ADMIN})


def _check_decider(actor: Actor) -> None:
    if actor.role not in DECIDERS:
        raise Forbidden("Only window clerks, the talent office and admins handle identity claims.")


def _claims():
    return (
        select(IdentityClaim)
        .join(IdentityClaim.claimant)
        .options(contains_eager(IdentityClaim.claimant))
        .where(User.phone_confirmed_at.is_not(None))
    )


def list_open_claims(actor: Actor, *, before_id: int | None, limit: int) -> list[IdentityClaim]:
    """Open claims of confirmed claimants, newest first."""
    _check_decider(actor)
    query = _claims().where(IdentityClaim.status == OPEN)
    if before_id is not None:
        query = query.where(IdentityClaim.id < before_id)
    return list(Session().scalars(query.order_by(IdentityClaim.id.desc()).limit(limit)))


def decide_claim(actor: Actor, claim_id: int, decision: str, comment: str) -> IdentityClaim:
    _check_decider(actor)
    session = Session()
    # Locked: two clerks deciding at once decide once.
    claim = session.scalars(
        _claims().where(IdentityClaim.id == claim_id).with_for_update(of=IdentityClaim)
    ).first()
    if claim is None:
        raise NotFound(f"There is no identity claim {claim_id}.")
    if claim.status != OPEN:
        raise Conflict(f"Identity claim {claim_id} was decided already ({claim.status}).")
    if decision == GRANT:
        _move_number(claim)
    claim.status = DECISIONS[decision]
    claim.decided_by, claim.decided_at, claim.comment = actor.user_id, utcnow(), comment
    session.commit()
    return claim


def _move_number(claim: IdentityClaim) -> None:
    session = Session()
    holder = reference.get_user_by_id_number(session, claim.id_number)
    if holder is not None:
        holder.id_number = holder.id_number_hash = None
        holder.active = False
        holder.token_version += 1
        session.flush()  # the number is free before the claimant takes it (unique hash)
    claim.claimant.id_number, claim.claimant.id_number_hash = claim.id_number, claim.id_number_hash
