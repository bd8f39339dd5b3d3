"""The public progress lookup's one query: a case by reference, with its applicant's identity
number to check the caller against."""

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import load_only

from workflow.models import Application, User


def get_case_and_id_number(
    session: OrmSession, reference: str
) -> tuple[Application, str | None] | None:
    """The case (only the columns the lookup shows) and its applicant's identity number."""
    query = (
        select(Application, User.id_number)
        .join(User, User.id == Application.applicant_id)
        .where(Application.reference == reference)
        .options(
            load_only(
                Application.reference,
                Application.policy_code,
                Application.status,
                Application.submitted_at,
                Application.updated_at,
            )
        )
    )
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None
