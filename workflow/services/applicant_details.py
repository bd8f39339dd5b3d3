"""An applicant's full identity number and phone, for the staff who must check them (the
window comparing the card at acceptance, a department verifying a household registration).
Everywhere else they are masked; every full read is recorded, with its reason, in the same
transaction, and admins can list the records."""

from workflow.actors import Actor
from workflow.db import Session
from workflow.errors import Forbidden, InvalidInput, NotFound
from workflow.lifecycle import STAFF_ROLES, Role
from workflow.models import PersonalDataAccess, User
from workflow.models._types import utcnow
from workflow.repositories import oversight
from workflow.repositories.applications import get_visible

MIN_REASON = 4


def read_applicant(actor: Actor, case_id: int, reason: str) -> tuple[User, PersonalDataAccess]:
    """The applicant of a case the actor sees (404 otherwise), with the record of this read."""
    if actor.role not in STAFF_ROLES:
        raise Forbidden("Only staff read an applicant's full details; yours are at /auth/me.")
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(
            "Say why the full details are needed.",
            errors={"reason": [f"At least {MIN_REASON} characters, e.g. 受理核验身份证."]},
        )
    session = Session()
    case = get_visible(session, actor, case_id)
    if case.applicant_id is None:
        raise NotFound("The case is anonymised: its retention period has ended.")
    applicant = session.get(User, case.applicant_id)
    record = PersonalDataAccess(
        actor_id=actor.user_id, actor_role=str(actor.role), subject_id=applicant.id,
        application_id=case.id, reason=reason, created_at=utcnow(),
    )  # fmt: skip
    session.add(record)
    session.commit()
    return applicant, record


def list_reads(actor: Actor, subject_id: int | None, before_id: int | None, limit: int):
    if actor.role != Role.ADMIN:
        raise Forbidden("Only admins see who read personal data.")
    return oversight.list_personal_data_access(
        Session(), subject_id=subject_id, before_id=before_id, limit=limit
    )
