"""Resealing personal data under the current key, after a new one is put first in
PERSONAL_DATA_KEYS: `flask --app api rotate-keys`. Once it reports nothing left under an older
key, that key can be removed from the settings. Besides identity numbers and phones, the sealed
text of a one-time-code SMS not yet sent for good is resealed, so it can still be sent."""

from sqlalchemy import Integer, String, column, select, table, update

from workflow.db import Session
from workflow.models import Notification
from workflow.notifications import FINAL
from workflow.notifications.account_notices import SEALED_TEXT, SECRETS
from workflow.personal_data import open_, seal, sealed_with, sealing_key_id

# The stored text as it is (the model's columns would open it): which key sealed it shows.
_USERS = table("users", column("id", Integer), column("phone", String), column("id_number", String))
SEALED_COLUMNS = ("phone", "id_number")


def reseal_personal_data() -> dict[str, int]:
    """Reseal every value sealed with an older key; counts of users read and resealed."""
    session = Session()
    current = sealing_key_id()
    rows = session.execute(select(_USERS.c.id, _USERS.c.phone, _USERS.c.id_number)).all()
    resealed = 0
    for user_id, *stored in rows:
        values = {
            name: seal(open_(value, name), name)
            for name, value in zip(SEALED_COLUMNS, stored, strict=True)
            if value and sealed_with(value) != current
        }
        if values:
            session.execute(update(_USERS).where(_USERS.c.id == user_id).values(**values))
            resealed += 1
    messages = _reseal_messages(session, current)
    session.commit()
    return {"users": len(rows), "resealed": resealed, "messages": messages}


def _reseal_messages(session, current: str) -> int:
    resealed = 0
    for row in session.scalars(
        select(Notification).where(
            Notification.kind.in_(list(SECRETS)), Notification.status.not_in(list(FINAL))
        )
    ):
        sealed = row.body.get("text_sealed")
        if sealed and sealed_with(sealed) != current:
            text = seal(open_(sealed, SEALED_TEXT), SEALED_TEXT)
            row.body = {**row.body, "text_sealed": text}
            resealed += 1
    return resealed
