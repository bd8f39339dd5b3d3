from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate


class DocumentUploadSchema(Schema):
    """The multipart/form-data body of an upload: a form field and the file."""

    document_code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "One of the codes of the policy's required_documents."},
    )
    file = Upload(
        required=True,
        metadata={"description": "A PDF, JPEG or PNG; its name must match its content."},
    )


class UploadedDocumentSchema(Schema):
    id = fields.Integer()
    document_code = fields.String()
    file_name = fields.String(metadata={"description": "As sent, for display only."})
    content_type = fields.String(metadata={"description": "Detected from the content."})
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.Integer()
    on_behalf_of = fields.Integer(
        allow_none=True, metadata={"description": "The applicant a clerk uploaded for (帮办代办)."}
    )
    uploaded_at = fields.DateTime()
