"""Documents of a case: uploaded by its applicant (or a clerk of its window on their behalf,
帮办代办) while the case is theirs to change, listed and downloaded by whoever may see the case.

An upload is checked by its content (workflow/documents/content.py), stored under a random name,
and recorded as a row and as an event in the case's audit chain, in one transaction.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from workflow.actors import Actor
from workflow.db import Session
from workflow.documents import storage
from workflow.documents.content import check_content, refuse
from workflow.documents.names import clean_file_name
from workflow.errors import Forbidden, InvalidInput, NotFound, TooLarge
from workflow.lifecycle import Action, Role, transition_for
from workflow.models import Document
from workflow.models._types import utcnow
from workflow.policies import case_terms
from workflow.repositories import applications, documents
from workflow.transitions import apply


@dataclass(frozen=True)
class DocumentRules:
    """Where files are kept and what an upload may be (from the settings)."""

    directory: Path
    max_bytes: int
    max_pixels: int


def add_document(
    actor: Actor,
    case_id: int,
    document_code: str,
    file_name: str | None,
    data: bytes,
    rules: DocumentRules,
) -> Document:
    """The new document's row; 404 for a case the actor may not see, 403 for a role that may not
    upload, 409 when the case no longer takes documents, 413/422 for the file itself."""
    session = Session()
    case = applications.get_visible(session, actor, case_id)
    on_behalf_of = _on_behalf_of(actor, case.applicant_id)
    transition_for(case.status, Action.ADD_DOCUMENT, Role.APPLICANT)  # 409 naming the status
    codes = {d["code"] for d in case_terms(session, case).required_documents}
    # The file is checked outside any transaction: decoding a large image takes a while, and on
    # SQLite an open transaction holds the database's write lock.
    session.rollback()
    if document_code not in codes:
        raise InvalidInput(
            "Unknown document.",
            errors={
                "document_code": [f"One of this policy's documents: {', '.join(sorted(codes))}."]
            },
        )
    if len(data) > rules.max_bytes:
        raise TooLarge(
            "The file is too large.", errors={"file": [f"At most {rules.max_bytes} bytes."]}
        )
    if not data:
        raise refuse("The file is empty.")
    content_type = check_content(data, rules.max_pixels)
    display_name = clean_file_name(file_name, content_type)
    stored_name = storage.store(rules.directory, data)
    try:
        # Locked and read again: the case may have moved on while the file was checked (apply
        # then refuses the upload with a 409).
        case = applications.get_visible(session, actor, case_id, lock=True)
        document = Document(
            application_id=case.id,
            document_code=document_code,
            file_name=display_name,
            stored_name=stored_name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=actor.user_id,
            on_behalf_of=on_behalf_of,
            uploaded_at=utcnow(),
        )
        session.add(document)
        session.flush()  # its id goes into the event
        # The file name stays out of the append-only trail: it may hold personal data.
        data_recorded = {
            "document_id": document.id, "document_code": document_code,
            "content_type": content_type, "size": document.size, "sha256": document.sha256,
        }  # fmt: skip
        apply(
            session, case, Action.ADD_DOCUMENT, actor,
            data=data_recorded, on_behalf_of=on_behalf_of, role=Role.APPLICANT,
        )  # fmt: skip
        session.commit()
    except BaseException:
        session.rollback()
        storage.discard(rules.directory, stored_name)
        raise
    return document


def _on_behalf_of(actor: Actor, applicant_id: int) -> int | None:
    """Whom the upload is for: the applicant themselves, or a clerk of the case's window (the only
    clerks who see it) for the applicant. Other staff may read documents, never add them."""
    if actor.role == Role.APPLICANT:
        return None
    if actor.role == Role.WINDOW_CLERK:
        return applicant_id
    raise Forbidden(
        "Only the applicant, or a clerk of the case's window on their behalf, uploads documents."
    )


def list_documents(actor: Actor, case_id: int) -> list[Document]:
    session = Session()
    case = applications.get_visible(session, actor, case_id)
    return documents.list_for_case(session, case.id)


def get_document(
    actor: Actor, case_id: int, document_id: int, directory: Path
) -> tuple[Document, Path]:
    """The row and the stored file of one document of a case the actor may see."""
    session = Session()
    case = applications.get_visible(session, actor, case_id)
    document = documents.get_for_case(session, case.id, document_id)
    if document is None:
        raise NotFound(f"The application has no document {document_id}.")
    return document, storage.path_of(directory, document.stored_name)
