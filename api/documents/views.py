"""A case's documents: upload (multipart/form-data), list, download."""

from pathlib import Path
from urllib.parse import quote

from flask import current_app, request, send_file
from flask.views import MethodView
from werkzeug.datastructures import CombinedMultiDict

from api.applications.views import CASE_ID
from api.auth.tokens import current_actor
from api.blueprint import Blueprint, CachedJsonParser
from api.documents.schemas import DocumentUploadSchema, UploadedDocumentSchema
from api.pagination import MAX_ID
from workflow.errors import TooLarge
from workflow.services.documents import (
    DocumentRules,
    add_document,
    get_document,
    list_documents,
)


class _FormAndFilesParser(CachedJsonParser):
    """The "files" location reads the form fields too: an upload's one multipart body carries the
    file and the fields that describe it, and one schema documents both in the OpenAPI body."""

    def load_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class _UploadBlueprint(Blueprint):
    ARGUMENTS_PARSER = _FormAndFilesParser()


blp = _UploadBlueprint(
    "documents", __name__, url_prefix="/api/v1/applications", description="Documents of a case"
)
# The multipart envelope around the file: boundaries, part headers, the document code.
MULTIPART_OVERHEAD = 16 * 1024


@blp.before_request
def _upload_size_limit():
    """Only these requests may carry a file: they get the document limit instead of the JSON
    one (MAX_CONTENT_LENGTH), refused before the body is read when its declared length is over."""
    limit = current_app.config["DOCUMENT_MAX_BYTES"] + MULTIPART_OVERHEAD
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(
            "The request is too large.",
            errors={"file": [f"At most {current_app.config['DOCUMENT_MAX_BYTES']} bytes."]},
        )
    request.max_content_length = limit


def _rules() -> DocumentRules:
    config = current_app.config
    return DocumentRules(
        # Absolute: send_file would read a relative path against the app's folder, not ours.
        directory=Path(config["DOCUMENTS_DIR"]).absolute(),
        max_bytes=config["DOCUMENT_MAX_BYTES"],
        max_pixels=config["DOCUMENT_MAX_PIXELS"],
    )


@blp.route(f"/{CASE_ID}/documents")
class Documents(MethodView):
    @blp.response(200, UploadedDocumentSchema(many=True))
    def get(self, case_id):
        """The case's documents, oldest first"""
        return list_documents(current_actor(), case_id)

    @blp.arguments(DocumentUploadSchema, location="files")
    @blp.response(201, UploadedDocumentSchema)
    def post(self, args, case_id):
        """Upload a document (multipart/form-data: `document_code` and `file`)

        By the applicant while the case is a draft, submitted or sent back for correction; or by
        a clerk of the case's window on the applicant's behalf (帮办代办). The file must be a PDF,
        JPEG or PNG, judged by its content, named with a matching extension; PDFs with
        JavaScript, actions or embedded files and oversized images are refused.
        """
        upload = args["file"]
        return add_document(
            current_actor(), case_id, args["document_code"], upload.filename, upload.read(),
            _rules(),
        )  # fmt: skip


FILE_RESPONSE = {
    "description": "The file, as an attachment, with the type detected at upload.",
    "content": {
        content_type: {"schema": {"type": "string", "format": "binary"}}
        for content_type in ("application/pdf", "image/jpeg", "image/png")
    },
}


@blp.route(f"/{CASE_ID}/documents/<int(max={MAX_ID}):document_id>")
class DocumentFile(MethodView):
    @blp.doc(responses={200: FILE_RESPONSE})
    def get(self, case_id, document_id):
        """Download one document"""
        document, path = get_document(current_actor(), case_id, document_id, _rules().directory)
        response = send_file(path, mimetype=document.content_type, max_age=0)
        response.headers["Content-Disposition"] = _attachment(document.file_name)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response


def _attachment(name: str) -> str:
    """Always a download, never shown inline; the name in UTF-8 (RFC 6266), with an ASCII
    stand-in for old clients."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
