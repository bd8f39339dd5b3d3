"""A document uploaded for a case: the file is kept under a random name in DOCUMENTS_DIR; the row
says what it is, whose it is and how to check it is the same file."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base
from workflow.models._types import UTCDateTime, utcnow


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_application_code", "application_id", "document_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    # One of the policy's required_documents codes.
    document_code: Mapped[str] = mapped_column(String(64))
    # The sender's file name, cleaned, for display only: never a path.
    file_name: Mapped[str] = mapped_column(String(255))
    # The random name the file is stored under.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    # Detected from the content, not taken from the sender.
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # 帮办代办: the applicant a window clerk uploaded it for.
    on_behalf_of: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
