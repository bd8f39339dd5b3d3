"""Refresh tokens: opaque, stored as their SHA-256, one row per token, spent when used.

A login starts a family; each refresh spends its token and adds the next one to the family.
A spent token presented again means a copy is in someone else's hands, so the whole family is
revoked. Access tokens name their family, so revoking it also ends the access tokens it issued.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.db import Base
from workflow.models._types import UTCDateTime, utcnow


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family_id", "family_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    family_id: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The user's token_version at issue: a password change or deactivation ends it too.
    token_version: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    spent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
