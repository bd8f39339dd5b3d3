"""Alerts for admins about the system itself, raised once per (kind, subject)."""

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from workflow.models import Alert


def add_once(session: OrmSession, kind: str, subject: str, message: str) -> bool:
    """Adds the alert unless one of this kind and subject exists; True if it was added. Another
    run adding the same one at the same moment is no error: a savepoint takes the refusal."""
    if session.scalar(select(exists().where(Alert.kind == kind, Alert.subject == subject))):
        return False
    limit = Alert.__table__.c.message.type.length  # a quoted error must not make it too long
    try:
        with session.begin_nested():
            session.add(Alert(kind=kind, subject=subject, message=message[:limit]))
    except IntegrityError:
        return False
    return True
