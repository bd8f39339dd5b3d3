"""Documents for the bench's cases: one small PDF for each document the policy requires. The
pre-check routes only cases that have them; providing them is set-up, kept off every clock."""

import hashlib
import io
import shutil

from pypdf import PdfWriter
from sqlalchemy import insert

from bench.environment import OUTPUT_DIR
from workflow.db import Session
from workflow.documents import storage
from workflow.models import Document
from workflow.models._types import utcnow
from workflow.policies import policy_terms

DOCUMENTS_DIR = OUTPUT_DIR / "documents"


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


_PDF = _pdf()


def provide_documents(cases: list[tuple[int, int]], policy_code: str) -> None:
    """Each required document of `policy_code` for each (case id, applicant id): its file, stored
    as the document service stores one, and its row, the rows of a batch in one statement.

    Not through the upload service: an upload is two transactions and a transition, and the
    18,000 uploads of a run took about 4 of its 15 minutes here (12.5 ms each), though no
    measurement times them. The pre-check reads the rows, as it does after real uploads."""
    codes = [d["code"] for d in policy_terms(Session(), policy_code).required_documents
             if d["required"]]  # fmt: skip
    digest, now = hashlib.sha256(_PDF).hexdigest(), utcnow()
    rows = [
        {
            "application_id": case_id,
            "document_code": code,
            "file_name": "scan.pdf",
            "stored_name": storage.store(DOCUMENTS_DIR, _PDF),
            "content_type": "application/pdf",
            "size": len(_PDF),
            "sha256": digest,
            "uploaded_by": applicant_id,
            "uploaded_at": now,
        }
        for case_id, applicant_id in cases
        for code in codes
    ]
    session = Session()
    session.execute(insert(Document), rows)
    session.commit()
    Session.remove()


def remove_documents() -> None:
    """The files of a run: the database they belong to is dropped with it."""
    shutil.rmtree(DOCUMENTS_DIR, ignore_errors=True)
