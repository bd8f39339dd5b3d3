"""Documents for the bench's cases: one small PDF for each document the policy requires, uploaded
through the real document service in this process. The pre-check routes only cases that have
them; uploading them is set-up, kept off every clock."""

import io
import shutil

from pypdf import PdfWriter

from bench.environment import OUTPUT_DIR
from config import Config
from workflow.actors import Actor
from workflow.db import Session
from workflow.lifecycle import Role
from workflow.policies import policy_terms
from workflow.services.documents import DocumentRules, add_document

DOCUMENTS_DIR = OUTPUT_DIR / "documents"
RULES = DocumentRules(DOCUMENTS_DIR, Config.DOCUMENT_MAX_BYTES, Config.DOCUMENT_MAX_PIXELS)


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


_PDF = _pdf()


def provide_documents(cases: list[tuple[int, int]], policy_code: str) -> None:
    """Uploads each required document of `policy_code` for each (case id, applicant id)."""
    codes = [d["code"] for d in policy_terms(Session(), policy_code).required_documents
             if d["required"]]  # fmt: skip
    Session.remove()
    for case_id, applicant_id in cases:
        for code in codes:
            add_document(
                Actor(applicant_id, Role.APPLICANT), case_id, code, "scan.pdf", _PDF, RULES
            )
            Session.remove()  # one session per upload, as per request in the API


def remove_documents() -> None:
    """The files of a run: the database they belong to is dropped with it."""
    shutil.rmtree(DOCUMENTS_DIR, ignore_errors=True)
