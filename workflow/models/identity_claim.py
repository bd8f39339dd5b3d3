"""A registration naming an identity number another account already holds. Nobody wins it by
registering first: the claimant brings their identity card to a window, and a clerk grants the
number to them or refuses (workflow/services/identity_claims.py)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.db import Base
from workflow.models._types import UTCDateTime, utcnow
from workflow.models.user import User
from workflow.personal_data import Sealed, hash_of

OPEN, GRANTED, REFUSED = "open", "granted", "refused"


class IdentityClaim(Base):
    __tablename__ = "identity_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claimant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    id_number: Mapped[str] = mapped_column(Sealed("id_number"))
    id_number_hash: Mapped[str] = mapped_column(
        String(64), default=hash_of("id_number", "id_number")
    )
    status: Mapped[str] = mapped_column(String(16), default=OPEN)  # open / granted / refused
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)

    claimant: Mapped[User] = relationship(foreign_keys=[claimant_id])
