"""Notifications addressed to an actor: their window's, their department's and their own.

The inbox holds the in-app rows; a person may also look up any row sent to them on another
channel (an SMS, an email) to see how its delivery went, and admins any row.
"""

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from workflow.actors import Actor
from workflow.errors import NotFound
from workflow.lifecycle import Role
from workflow.models import Notification
from workflow.notifications import DEPARTMENT_BOX, IN_APP, USER, WINDOW_BOX


def _addressed_to(actor: Actor):
    if actor.role == Role.ADMIN:
        return None  # every row
    addressed = [
        and_(Notification.recipient_type == USER, Notification.recipient == str(actor.user_id))
    ]
    if actor.window_code:
        addressed.append(
            and_(
                Notification.recipient_type == WINDOW_BOX,
                Notification.recipient == actor.window_code,
            )
        )
    if actor.department_code:
        addressed.append(
            and_(
                Notification.recipient_type == DEPARTMENT_BOX,
                Notification.recipient == actor.department_code,
            )
        )
    return or_(false(), *addressed)


def _inbox(query: Select, actor: Actor, unread: bool) -> Select:
    addressed = _addressed_to(actor)
    if actor.role == Role.ADMIN:  # an admin's own inbox is what is addressed to them
        addressed = and_(
            Notification.recipient_type == USER, Notification.recipient == str(actor.user_id)
        )
    query = query.where(addressed, Notification.channel == IN_APP)
    return query.where(Notification.read_at.is_(None)) if unread else query


def list_for(
    session: OrmSession, actor: Actor, *, before_id: int | None, limit: int, unread: bool = False
) -> list[Notification]:
    """The actor's inbox, newest first."""
    query = _inbox(select(Notification), actor, unread)
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: OrmSession, actor: Actor) -> int:
    query = _inbox(select(func.count()).select_from(Notification), actor, unread=True)
    return session.scalar(query) or 0


def get_for(session: OrmSession, actor: Actor, notification_id: int) -> Notification:
    """A row sent to the actor on any channel, with its attempts; 404 for anyone else's."""
    query = (
        select(Notification)
        .where(Notification.id == notification_id)
        .options(selectinload(Notification.attempt_log))
    )
    addressed = _addressed_to(actor)
    if addressed is not None:
        query = query.where(addressed)
    row = session.scalars(query).first()
    if row is None:
        raise NotFound(f"There is no notification {notification_id}.")
    return row
