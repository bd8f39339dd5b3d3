"""Documents uploaded for cases (the caller has already checked the case is visible)."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from workflow.models import Document


def list_for_case(session: OrmSession, case_id: int) -> list[Document]:
    query = select(Document).where(Document.application_id == case_id).order_by(Document.id)
    return list(session.scalars(query))


def get_for_case(session: OrmSession, case_id: int, document_id: int) -> Document | None:
    query = select(Document).where(Document.application_id == case_id, Document.id == document_id)
    return session.scalars(query).first()


def provided_codes(session: OrmSession, case_ids: list[int]) -> dict[int, set[str]]:
    """For each case, the codes of the documents uploaded for it (one statement for a batch)."""
    query = (
        select(Document.application_id, Document.document_code)
        .where(Document.application_id.in_(case_ids))
        .distinct()
    )
    codes: dict[int, set[str]] = defaultdict(set)
    for case_id, code in session.execute(query):
        codes[case_id].add(code)
    return codes


def stored_among(session: OrmSession, stored_names: list[str]) -> set[str]:
    """Those of `stored_names` that a document row names."""
    query = select(Document.stored_name).where(Document.stored_name.in_(stored_names))
    return set(session.scalars(query))
